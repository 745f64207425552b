from django.urls import path

from accord.analytics.views import cohorts

urlpatterns = [
    path("cohorts/", cohorts.cohort_retention, name="cohorts"),
]
