"""URLs of the lead screens and the public web-to-lead form."""

from django.urls import URLPattern, URLResolver, path

from accord.sales.views import leads as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/new/", views.lead_form, name="lead-create"),
    path("leads/<uuid:pk>/", views.lead_detail, name="lead-detail"),
    path("leads/<uuid:pk>/edit/", views.lead_form, name="lead-edit"),
    path("leads/<uuid:pk>/status/", views.lead_status, name="lead-status"),
    path("leads/<uuid:pk>/delete/", views.lead_delete, name="lead-delete"),
    path("leads/<uuid:pk>/convert/", views.lead_convert, name="lead-convert"),
    path("f/<str:key>/", views.webform, name="webform-submit"),
]
