"""URLs of the service screens."""

from django.urls import URLPattern, URLResolver, path

from accord.service.views import chat, inbound, knowledge, survey, tickets
from accord.service.views import reports as report_views
from accord.service.views import settings as settings_views

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = [
    path("tickets/", tickets.ticket_list, name="ticket-list"),
    path("tickets/export/", tickets.ticket_export, name="ticket-export"),
    path("tickets/new/", tickets.ticket_create, name="ticket-create"),
    path("tickets/contacts/", tickets.contact_lookup, name="ticket-contact-lookup"),
    path("tickets/<uuid:pk>/", tickets.ticket_detail, name="ticket-detail"),
    path("tickets/<uuid:pk>/reply/", tickets.ticket_reply, name="ticket-reply"),
    path("tickets/<uuid:pk>/update/", tickets.ticket_update, name="ticket-update"),
    path("tickets/<uuid:pk>/take/", tickets.ticket_take, name="ticket-take"),
    path("tickets/<uuid:pk>/merge/", tickets.ticket_merge, name="ticket-merge"),
    path("tickets/<uuid:pk>/split/", tickets.ticket_split, name="ticket-split"),
    path("tickets/<uuid:pk>/canned/", tickets.canned_insert, name="ticket-canned"),
    path("mail/inbound/", inbound.mail_inbound, name="mail-inbound"),
    # Live chat: the agents' console and a page embedding a widget (the rest is WebSockets).
    path("chat/", chat.console, name="chat-console"),
    path("chat/demo/", chat.demo, name="chat-demo"),
    path("chat/widget/<str:key>/", chat.widget_config, name="chat-widget-config"),
    # Public, reached from the e-mail sent when a ticket was resolved: no sign-in.
    path("survey/<str:token>/", survey.survey_page, name="survey"),
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
    path("settings/mailboxes/new/", settings_views.mailbox_create, name="settings-mailbox-create"),
    path("settings/mailboxes/<uuid:pk>/", settings_views.mailbox_edit, name="settings-mailbox-edit"),
    path("settings/mailboxes/<uuid:pk>/delete/", settings_views.mailbox_delete, name="settings-mailbox-delete"),
    path("settings/mailboxes/<uuid:pk>/test/", settings_views.mailbox_test, name="settings-mailbox-test"),
    path("settings/chat/new/", settings_views.channel_create, name="settings-channel-create"),
    path("settings/chat/<uuid:pk>/", settings_views.channel_edit, name="settings-channel-edit"),
    path("settings/chat/<uuid:pk>/active/", settings_views.channel_activate, name="settings-channel-activate"),
    path("reports/sla/", report_views.sla_report, name="sla-report"),
    path("reports/sla/export/", report_views.sla_report_export, name="sla-report-export"),
    path("reports/satisfaction/", report_views.satisfaction_report, name="satisfaction-report"),
    path("reports/satisfaction/export/", report_views.satisfaction_report_export, name="satisfaction-report-export"),
    path("reports/complaints/", report_views.complaints_report, name="complaints-report"),
    path("reports/complaints/export/", report_views.complaints_report_export, name="complaints-report-export"),
    # The knowledge base.
    path("kb/", knowledge.article_list, name="kb-list"),
    path("kb/suggest/", knowledge.suggest, name="kb-suggest"),
    path("kb/new/", knowledge.article_create, name="kb-article-create"),
    path("kb/categories/", knowledge.category_list, name="kb-categories"),
    path("kb/categories/<uuid:pk>/edit/", knowledge.category_edit, name="kb-category-edit"),
    path("kb/categories/<uuid:pk>/delete/", knowledge.category_delete, name="kb-category-delete"),
    path("kb/<uuid:pk>/", knowledge.article_detail, name="kb-article"),
    path("kb/<uuid:pk>/edit/", knowledge.article_edit, name="kb-article-edit"),
    path("kb/<uuid:pk>/translate/", knowledge.article_translate, name="kb-article-translate"),
    path("kb/<uuid:pk>/publish/", knowledge.article_publish, name="kb-article-publish"),
    path("kb/<uuid:pk>/unpublish/", knowledge.article_unpublish, name="kb-article-unpublish"),
    path("kb/<uuid:pk>/delete/", knowledge.article_delete, name="kb-article-delete"),
    path("kb/<uuid:pk>/revisions/", knowledge.article_revisions, name="kb-article-revisions"),
    path("kb/<uuid:pk>/revisions/<int:number>/", knowledge.article_revision, name="kb-article-revision"),
    path("kb/<uuid:pk>/revisions/<int:number>/restore/", knowledge.article_restore, name="kb-article-restore"),
]
