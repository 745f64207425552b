from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path, re_path

from accord.api import api, not_found
from accord.core.views import health

urlpatterns = [
    path("", lambda request: redirect("activities:my-day"), name="home"),
    path("", include("accord.identity.urls")),
    path("", include("accord.core.urls")),
    path("", include("accord.people.urls")),
    path("", include("accord.activities.urls")),
    path("sales/", include("accord.sales.urls")),
    path("billing/", include("accord.billing.urls")),
    path("marketing/", include("accord.marketing.urls")),
    path("service/", include("accord.service.urls")),
    path("analytics/", include("accord.analytics.urls")),
    path("notifications/", include("accord.messaging.urls")),
    path("portal/", include("accord.portal.urls")),
    # Before the API's own root, which answers with Django's HTML 404.
    path("api/v1/", not_found),
    path("api/v1/", api.urls),
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", health, name="health"),
    # Last: any other path under /api/ gets the API's JSON 404, not the HTML page.
    re_path(r"^api(?:/(?P<path>.*))?$", not_found),
]
