from django.urls import path

from accord.core import views, views_lists

app_name = "core"

urlpatterns = [
    path("search/", views.search_view, name="search"),
    path("views/", views.saved_view_create, name="saved-view-create"),
    path("views/<uuid:pk>/delete/", views.saved_view_delete, name="saved-view-delete"),
    path("lists/<slug:key>/bulk/", views_lists.bulk_view, name="list-bulk"),
    path("lists/<slug:key>/look/", views_lists.look_view, name="list-look"),
    path("settings/custom-fields/", views.custom_field_list, name="custom-fields"),
    path("settings/custom-fields/new/", views.custom_field_edit, name="custom-field-create"),
    path("settings/custom-fields/<uuid:pk>/", views.custom_field_edit, name="custom-field-edit"),
]
