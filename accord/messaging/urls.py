from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from accord.messaging.views import letters, notifications, outbox

app_name = "messaging"

urlpatterns: list[URLPattern | URLResolver] = [
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
    path("letters/", letters.batch_list, name="print-batches"),
    path("letters/prepare/", letters.batch_prepare, name="print-prepare"),
    path("letters/<uuid:pk>/", letters.batch_detail, name="print-batch"),
    path("letters/<uuid:pk>/pdf/", letters.batch_download, name="print-batch-pdf"),
    path("letters/<uuid:pk>/posted/", letters.batch_post, name="print-batch-post"),
    path("letters/letter/<uuid:pk>/remove/", letters.letter_remove, name="print-letter-remove"),
]

# A provider's delivery and bounce reports (django-anymail: /notifications/anymail/<esp>/tracking/),
# served when e-mail goes through a provider (some providers' views need packages of their own).
if settings.ACCORD_EMAIL_BACKEND.startswith("anymail."):
    urlpatterns.append(path("anymail/", include("anymail.urls")))
