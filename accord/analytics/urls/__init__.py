from django.urls import include, path

app_name = "analytics"

# Each part of the analytics screens keeps its own URL module; they share the "analytics" namespace.
urlpatterns = [
    path("", include("accord.analytics.urls.reports")),
    path("", include("accord.analytics.urls.insights")),
    path("", include("accord.analytics.urls.settings")),
    path("", include("accord.analytics.urls.cohorts")),
    path("", include("accord.analytics.urls.dashboards")),
]
