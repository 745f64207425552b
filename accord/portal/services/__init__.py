"""The portal's writes: sign-in links and invitations, what customers do with their tickets,
quotes, details and consents, and what partners register. Each checks that the record is the
portal user's (through the portal's selectors) and then calls the owning app's service."""
