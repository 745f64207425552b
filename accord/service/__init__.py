"""Customer service: tickets with SLAs, queues, canned responses, the knowledge base, inbound
e-mail, and (later) the portal, live chat and satisfaction surveys."""
