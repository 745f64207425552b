from django.urls import path

from accord.analytics.views import settings

urlpatterns = [
    path("settings/cost-to-serve/", settings.cost_rates, name="cost-rates"),
]
