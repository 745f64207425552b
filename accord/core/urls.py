from django.urls import path

from accord.core import views

app_name = "core"

urlpatterns = [
    path("search/", views.search_view, name="search"),
    path("views/", views.saved_view_create, name="saved-view-create"),
    path("views/<uuid:pk>/delete/", views.saved_view_delete, name="saved-view-delete"),
    path("settings/custom-fields/", views.custom_field_list, name="custom-fields"),
    path("settings/custom-fields/new/", views.custom_field_edit, name="custom-field-create"),
    path("settings/custom-fields/<uuid:pk>/", views.custom_field_edit, name="custom-field-edit"),
    path("settings/system/", views.system_status, name="system"),
]
