"""REST endpoints of the service app: knowledge."""

from ninja import Router

router = Router(tags=["service"])
