"""Marketing: segments, consent and unsubscribe, campaigns, automatic greetings and offers, campaign results."""
