from django.urls import path

from accord.portal import views, views_staff

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/link/", views.link_request, name="link-request"),
    path("login/link/<str:token>/", views.link, name="link"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/new/", views.ticket_create, name="ticket-create"),
    path("tickets/suggestions/", views.ticket_suggest, name="ticket-suggest"),
    path("tickets/<uuid:pk>/", views.ticket, name="ticket"),
    path("tickets/<uuid:pk>/reply/", views.ticket_reply, name="ticket-reply"),
    path("help/<uuid:pk>/", views.article, name="article"),
    path("quotes/", views.quotes, name="quotes"),
    path("quotes/<uuid:pk>/", views.quote, name="quote"),
    path("quotes/<uuid:pk>/accept/", views.quote_accept, name="quote-accept"),
    path("orders/", views.orders, name="orders"),
    path("orders/<uuid:pk>/", views.order, name="order"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<uuid:pk>/", views.invoice, name="invoice"),
    path("invoices/<uuid:pk>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("account/", views.account, name="account"),
    path("account/details/", views.account_details, name="account-details"),
    path("account/consents/", views.account_consents, name="account-consents"),
    path("account/password/", views.account_password, name="account-password"),
    path("account/my-data/", views.account_data, name="account-data"),
    path("partner/leads/", views.leads, name="leads"),
    path("partner/deals/", views.deals, name="deals"),
    # Staff: invite a contact (the contact page's panel).
    path("staff/invite/<uuid:contact_pk>/", views_staff.invite, name="invite"),
    path("staff/revoke/<uuid:contact_pk>/", views_staff.revoke, name="revoke"),
]
