"""The portal's reads. Every one takes the portal user's ``PortalAccess`` and filters by its
company (or, for a customer without a company, its contact): these are the only reads portal views
and the portal API make, so nothing of another customer can reach them."""

from accord.portal.selectors.records import *  # noqa: F403
