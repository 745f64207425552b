from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path

from accord.api import api
from accord.core.views import health

urlpatterns = [
    path("", lambda request: redirect("activities:my-day"), name="home"),
    path("", include("accord.identity.urls")),
    path("", include("accord.core.urls")),
    path("", include("accord.people.urls")),
    path("", include("accord.activities.urls")),
    path("sales/", include("accord.sales.urls")),
    path("notifications/", include("accord.messaging.urls")),
    path("api/v1/", api.urls),
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", health, name="health"),
]
