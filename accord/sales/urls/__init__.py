from django.urls import include, path

app_name = "sales"

# Each part of the sales screens keeps its own URL module; they share the "sales" namespace.
urlpatterns = [
    path("", include("accord.sales.urls.exports")),  # before the lists' <uuid:pk> pages
    path("", include("accord.sales.urls.leads")),
    path("", include("accord.sales.urls.deals")),
    path("", include("accord.sales.urls.quotes")),
    path("", include("accord.sales.urls.dashboard")),
    path("", include("accord.sales.urls.settings")),
]
