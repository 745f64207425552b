from django.urls import path

from accord.analytics.views import reports

urlpatterns = [
    path("reports/", reports.report_list, name="report-list"),
    path("reports/new/", reports.report_builder, name="report-builder"),
    path("reports/export/", reports.report_export, name="report-export"),
    path("reports/drill/", reports.report_drill, name="report-drill"),
    path("reports/<uuid:pk>/", reports.report_detail, name="report-detail"),
    path("reports/<uuid:pk>/delete/", reports.report_delete, name="report-delete"),
]
