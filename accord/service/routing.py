"""The service app's WebSocket routes (live chat), mounted by ``accord/asgi.py``."""

from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from accord.service.consumers import AgentConsumer, VisitorConsumer

websocket_urlpatterns = [
    # The console is Accord's own page: only its own origin may open the agent socket.
    path("ws/service/chat/agent/", AllowedHostsOriginValidator(AgentConsumer.as_asgi())),
    # The widget runs on customers' websites: the consumer checks the origin against its channel.
    path("ws/service/chat/visitor/<str:key>/", VisitorConsumer.as_asgi()),
]
