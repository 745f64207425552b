"""URLs of the sales dashboard screens."""

from django.urls import URLPattern, URLResolver, path

from accord.sales.views import dashboard as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("forecast/", views.forecast, name="forecast"),
]
