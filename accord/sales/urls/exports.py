"""URLs of the sales lists' exports."""

from django.urls import URLPattern, URLResolver, path

from accord.sales.views import exports as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("leads/export/", views.lead_export, name="lead-export"),
    path("quotes/export/", views.quote_export, name="quote-export"),
    path("products/export/", views.product_export, name="product-export"),
]
