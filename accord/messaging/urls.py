from django.urls import path

from accord.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("read/", views.mark_read, name="mark-read"),
    path("<uuid:pk>/", views.open_notification, name="open"),
]
