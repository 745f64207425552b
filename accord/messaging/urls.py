from django.urls import include, path

from accord.messaging.views import notifications, outbox

app_name = "messaging"

urlpatterns = [
    path("", notifications.inbox, name="inbox"),
    path("badge/", notifications.badge, name="badge"),
    path("read/", notifications.mark_read, name="mark-read"),
    path("<uuid:pk>/", notifications.open_notification, name="open"),
    path("outbox/", outbox.message_list, name="outbox"),
    path("outbox/<uuid:pk>/", outbox.message_detail, name="outbox-message"),
    path("outbox/<uuid:pk>/retry/", outbox.message_retry, name="outbox-retry"),
    path("templates/", outbox.template_list, name="templates"),
    path("templates/new/", outbox.template_edit, name="template-new"),
    path("templates/<uuid:pk>/", outbox.template_edit, name="template-edit"),
    # A provider's delivery and bounce reports (django-anymail: /notifications/anymail/<esp>/tracking/).
    path("anymail/", include("anymail.urls")),
]
