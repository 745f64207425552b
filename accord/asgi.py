"""The ASGI application ``accord run`` serves: HTTP through Django, WebSockets (live chat) through
Channels with the session's user."""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
# Django is set up before anything imports a model.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

# Each app's WebSocket routes, named in settings as URL modules are, so the server (core's ``accord
# run``) depends on no app.
websocket_urlpatterns = [
    route for name in settings.ACCORD_WEBSOCKET_ROUTES for route in import_string(f"{name}.websocket_urlpatterns")
]

# WhiteNoise hands Django file responses that iterate synchronously; Django reads them in a thread,
# which is what a static file needs, and says so on every file.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
