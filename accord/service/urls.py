"""URLs of the service screens."""

from django.urls import URLPattern, URLResolver, path

from accord.service.views import inbound, tickets

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = [
    path("tickets/", tickets.ticket_list, name="ticket-list"),
    path("tickets/<uuid:pk>/", tickets.ticket_detail, name="ticket-detail"),
    path("mail/inbound/", inbound.mail_inbound, name="mail-inbound"),
]
