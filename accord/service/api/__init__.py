"""The service app's REST endpoints: tickets, their messages, queues, canned responses, SLA."""

from ninja import Router

router = Router(tags=["service"])
