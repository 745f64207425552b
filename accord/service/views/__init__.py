"""The service screens: tickets, queues, SLA, canned responses, the knowledge base."""
