"""URLs of the product catalogue, price lists and the sales settings screens."""

from django.urls import URLPattern, URLResolver, path

from accord.sales.views import products as products
from accord.sales.views import settings as settings

urlpatterns: list[URLPattern | URLResolver] = [
    path("products/", products.product_list, name="product-list"),
    path("products/new/", products.product_form, name="product-create"),
    path("products/<uuid:pk>/", products.product_detail, name="product-detail"),
    path("products/<uuid:pk>/edit/", products.product_form, name="product-edit"),
    path("products/<uuid:pk>/active/", products.product_active, name="product-active"),
    path("price-lists/", products.pricelist_list, name="pricelist-list"),
    path("price-lists/new/", products.pricelist_form, name="pricelist-create"),
    path("price-lists/<uuid:pk>/", products.pricelist_detail, name="pricelist-detail"),
    path("price-lists/<uuid:pk>/edit/", products.pricelist_form, name="pricelist-edit"),
    path("price-lists/<uuid:pk>/delete/", products.pricelist_delete, name="pricelist-delete"),
    path(
        "price-lists/<uuid:pk>/items/<uuid:product_pk>/remove/",
        products.pricelist_item_remove,
        name="pricelist-item-remove",
    ),
    path("settings/", settings.overview, name="settings"),
    path("settings/pipelines/", settings.pipelines, name="settings-pipelines"),
    path("settings/pipelines/<uuid:pk>/", settings.pipeline_detail, name="settings-pipeline-detail"),
    path("settings/pipelines/<uuid:pk>/reorder/", settings.stage_reorder, name="settings-stage-reorder"),
    path("settings/stages/<uuid:pk>/", settings.stage_edit, name="settings-stage-edit"),
    path("settings/stages/<uuid:pk>/move/", settings.stage_move, name="settings-stage-move"),
    path("settings/stages/<uuid:pk>/delete/", settings.stage_delete, name="settings-stage-delete"),
    path("settings/lost-reasons/", settings.lost_reasons, name="settings-lost-reasons"),
    path("settings/lost-reasons/<uuid:pk>/", settings.lost_reason_edit, name="settings-lost-reason-edit"),
    path("settings/lost-reasons/<uuid:pk>/move/", settings.lost_reason_move, name="settings-lost-reason-move"),
    path("settings/lost-reasons/<uuid:pk>/delete/", settings.lost_reason_delete, name="settings-lost-reason-delete"),
    path("settings/scoring/", settings.scoring, name="settings-scoring"),
    path("settings/scoring/rescore/", settings.scoring_rescore, name="settings-scoring-rescore"),
    path("settings/scoring/<uuid:pk>/", settings.scoring_edit, name="settings-scoring-edit"),
    path("settings/scoring/<uuid:pk>/delete/", settings.scoring_delete, name="settings-scoring-delete"),
    path("settings/web-forms/", settings.webforms, name="settings-webforms"),
    path("settings/web-forms/<uuid:pk>/", settings.webform_detail, name="settings-webform-detail"),
    path("settings/web-forms/<uuid:pk>/delete/", settings.webform_delete, name="settings-webform-delete"),
    path("settings/seller/", settings.seller, name="settings-seller"),
    path("settings/automation/", settings.automation, name="settings-automation"),
    path("settings/automation/new/", settings.automation_edit, name="settings-automation-create"),
    path("settings/automation/<uuid:pk>/", settings.automation_edit, name="settings-automation-edit"),
    path("settings/automation/<uuid:pk>/delete/", settings.automation_delete, name="settings-automation-delete"),
]
