"""Every write of marketing: consent, the suppression list and unsubscribing."""
