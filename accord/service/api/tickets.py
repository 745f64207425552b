"""REST endpoints of the service app: tickets."""

from ninja import Router

router = Router(tags=["service"])
