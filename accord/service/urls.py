"""URLs of the service screens."""

from django.urls import URLPattern, URLResolver, path

from accord.service.views import inbound, tickets

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
]
