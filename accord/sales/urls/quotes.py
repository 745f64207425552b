"""URLs of the sales quotes screens."""

from django.urls import URLPattern, URLResolver, path

from accord.sales.views import quotes as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("quotes/", views.quote_list, name="quote-list"),
    path("deals/<uuid:deal_pk>/quotes/new/", views.quote_create, name="quote-create"),
    path("quotes/<uuid:pk>/", views.quote_detail, name="quote-detail"),
    path("quotes/<uuid:pk>/edit/", views.quote_edit, name="quote-edit"),
    path("quotes/<uuid:pk>/pdf/", views.quote_pdf, name="quote-pdf"),
    path("quotes/<uuid:pk>/send/", views.quote_send, name="quote-send"),
    path("quotes/<uuid:pk>/accept/", views.quote_accept, name="quote-accept"),
    path("quotes/<uuid:pk>/decline/", views.quote_decline, name="quote-decline"),
    path("quotes/<uuid:pk>/revise/", views.quote_revise, name="quote-revise"),
]
