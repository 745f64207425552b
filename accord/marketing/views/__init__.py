"""Marketing screens: greetings, a contact's consent panel, the suppression list, and the public
pages a recipient reaches from an e-mail (confirming a consent, unsubscribing)."""
