"""URLs of the service screens."""

from django.urls import URLPattern, URLResolver, path

from accord.service.views import reports as report_views
from accord.service.views import settings as settings_views
from accord.service.views import tickets

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = [
    path("tickets/", tickets.ticket_list, name="ticket-list"),
    path("tickets/<uuid:pk>/", tickets.ticket_detail, name="ticket-detail"),
    # Settings (queues, calendars and SLA policies for admins; canned responses for agents) and the SLA report.
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/queues/new/", settings_views.queue_create, name="settings-queue-create"),
    path("settings/queues/<uuid:pk>/", settings_views.queue_edit, name="settings-queue-edit"),
    path("settings/queues/<uuid:pk>/delete/", settings_views.queue_delete, name="settings-queue-delete"),
    path("settings/calendars/new/", settings_views.calendar_create, name="settings-calendar-create"),
    path("settings/calendars/<uuid:pk>/", settings_views.calendar_edit, name="settings-calendar-edit"),
    path("settings/calendars/<uuid:pk>/delete/", settings_views.calendar_delete, name="settings-calendar-delete"),
    path("settings/policies/new/", settings_views.policy_create, name="settings-policy-create"),
    path("settings/policies/<uuid:pk>/", settings_views.policy_edit, name="settings-policy-edit"),
    path("settings/policies/<uuid:pk>/delete/", settings_views.policy_delete, name="settings-policy-delete"),
    path("settings/canned/new/", settings_views.canned_create, name="settings-canned-create"),
    path("settings/canned/<uuid:pk>/", settings_views.canned_edit, name="settings-canned-edit"),
    path("settings/canned/<uuid:pk>/delete/", settings_views.canned_delete, name="settings-canned-delete"),
    path("reports/sla/", report_views.sla_report, name="sla-report"),
    path("reports/sla/export/", report_views.sla_report_export, name="sla-report-export"),
]
