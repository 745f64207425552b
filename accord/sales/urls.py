from django.urls import include, path

app_name = "sales"

# Each part of the sales screens keeps its own URL module; they share the "sales" namespace.
urlpatterns = [
    path("", include("accord.sales.urls_exports")),  # before the lists' <uuid:pk> pages
    path("", include("accord.sales.urls_leads")),
    path("", include("accord.sales.urls_deals")),
    path("", include("accord.sales.urls_quotes")),
    path("", include("accord.sales.urls_dashboard")),
    path("", include("accord.sales.urls_settings")),
]
