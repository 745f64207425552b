from django.urls import path

from accord.core import views
from accord.core.views import attachments as views_attachments
from accord.core.views import imports as import_views
from accord.core.views import lists as views_lists

app_name = "core"

urlpatterns = [
    path("search/", views.search_view, name="search"),
    path("views/", views.saved_view_create, name="saved-view-create"),
    path("views/<uuid:pk>/delete/", views.saved_view_delete, name="saved-view-delete"),
    path("lists/<slug:key>/bulk/", views_lists.bulk_view, name="list-bulk"),
    path("lists/<slug:key>/look/", views_lists.look_view, name="list-look"),
    path("lists/jobs/<uuid:pk>/", views_lists.bulk_job_view, name="bulk-job"),
    path("lists/jobs/<uuid:pk>/progress/", views_lists.bulk_job_progress, name="bulk-job-progress"),
    path("lists/jobs/<uuid:pk>/resume/", views_lists.bulk_job_resume, name="bulk-job-resume"),
    path("settings/custom-fields/", views.custom_field_list, name="custom-fields"),
    path("settings/custom-fields/new/", views.custom_field_edit, name="custom-field-create"),
    path("settings/custom-fields/<uuid:pk>/", views.custom_field_edit, name="custom-field-edit"),
    path("files/<uuid:pk>/", views_attachments.download, name="attachment-download"),
    path("files/<uuid:pk>/delete/", views_attachments.delete, name="attachment-delete"),
    path("files/<str:entity>/<uuid:record_id>/upload/", views_attachments.upload, name="attachment-upload"),
    path("imports/<slug:name>/new/", import_views.start, name="import-start"),
    path("imports/<uuid:pk>/", import_views.job_view, name="import-job"),
    path("imports/<uuid:pk>/columns/", import_views.columns, name="import-columns"),
    path("imports/<uuid:pk>/preview/", import_views.preview, name="import-preview"),
    path("imports/<uuid:pk>/run/", import_views.run, name="import-run"),
    path("imports/<uuid:pk>/progress/", import_views.progress, name="import-progress"),
    path("imports/<uuid:pk>/failed-rows/", import_views.failed_rows, name="import-failed-rows"),
    path("settings/system/", views.system_status, name="system"),
]
