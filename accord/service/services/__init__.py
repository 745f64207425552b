"""Every state change of the service app (tickets, queues, canned responses, SLA, mailboxes)."""
