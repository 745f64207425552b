from django.urls import path

from accord.analytics.views import dashboards

urlpatterns = [
    path("dashboards/", dashboards.my_dashboard, name="dashboards"),
    path("dashboards/<str:role>/", dashboards.dashboard, name="role-dashboard"),
]
