from django.urls import path

from accord.people import views
from accord.people.views import COMPANY, CONTACT, kind_view
from accord.people.views import reassign as reassign_views

app_name = "people"

urlpatterns = [
    path("companies/lookup/", views.company_lookup, name="company-lookup"),
]
for kind, prefix in ((CONTACT, "contacts"), (COMPANY, "companies")):
    urlpatterns += [
        path(f"{prefix}/", kind_view(views.list_view, kind), name=f"{kind.name}-list"),
        path(f"{prefix}/new/", kind_view(views.create_view, kind), name=f"{kind.name}-create"),
        path(f"{prefix}/export/", kind_view(views.export_view, kind), name=f"{kind.name}-export"),
        path(f"{prefix}/reassign/", kind_view(reassign_views.reassign_view, kind), name=f"{kind.name}-reassign"),
        path(f"{prefix}/<uuid:pk>/", kind_view(views.detail_view, kind), name=f"{kind.name}-detail"),
        path(f"{prefix}/<uuid:pk>/edit/", kind_view(views.edit_view, kind), name=f"{kind.name}-edit"),
        path(f"{prefix}/<uuid:pk>/delete/", kind_view(views.delete_view, kind), name=f"{kind.name}-delete"),
        path(f"{prefix}/<uuid:pk>/merge/", kind_view(views.merge_view, kind), name=f"{kind.name}-merge"),
        path(f"{prefix}/<uuid:pk>/history/", kind_view(views.history_view, kind), name=f"{kind.name}-history"),
    ]
