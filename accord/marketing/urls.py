"""URLs of the marketing screens."""

from django.urls import URLPattern, URLResolver, path

from accord.marketing.views import campaigns, consent, greetings, offers, public, segments, tracking

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("segments/", segments.segment_list, name="segment-list"),
    path("segments/new/", segments.segment_create, name="segment-create"),
    path("segments/builder/", segments.builder_view, name="segment-builder"),
    path("segments/count/", segments.count_view, name="segment-count"),
    path("segments/add-to-list/", segments.add_to_list, name="segment-add-to-list"),
    path("segments/<uuid:pk>/", segments.segment_detail, name="segment-detail"),
    path("segments/<uuid:pk>/edit/", segments.segment_edit, name="segment-edit"),
    path("segments/<uuid:pk>/delete/", segments.segment_delete, name="segment-delete"),
    path("segments/<uuid:pk>/export/", segments.segment_export, name="segment-export"),
    path("segments/<uuid:pk>/call-list/", segments.segment_call_list, name="segment-call-list"),
    path("segments/<uuid:pk>/freeze/", segments.segment_freeze, name="segment-freeze"),
    path("segments/<uuid:pk>/members/add/", segments.member_add, name="segment-member-add"),
    path("segments/<uuid:pk>/members/import/", segments.member_import, name="segment-member-import"),
    path(
        "segments/<uuid:pk>/members/<uuid:contact_pk>/remove/",
        segments.member_remove,
        name="segment-member-remove",
    ),
    path("greetings/", greetings.greetings_home, name="greetings"),
    path("greetings/rules/new/", greetings.rule_edit, name="greeting-rule-new"),
    path("greetings/rules/<uuid:pk>/", greetings.rule_edit, name="greeting-rule-edit"),
    path("greetings/rules/<uuid:pk>/delete/", greetings.rule_delete, name="greeting-rule-delete"),
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign-create"),
    path("campaigns/<uuid:pk>/", campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<uuid:pk>/edit/", campaigns.campaign_edit, name="campaign-edit"),
    path("campaigns/<uuid:pk>/preview/", campaigns.campaign_preview, name="campaign-preview"),
    path("campaigns/<uuid:pk>/test/", campaigns.campaign_test, name="campaign-test"),
    path("campaigns/<uuid:pk>/launch/", campaigns.campaign_launch, name="campaign-launch"),
    path("campaigns/<uuid:pk>/cancel/", campaigns.campaign_cancel, name="campaign-cancel"),
    path("campaigns/<uuid:pk>/delete/", campaigns.campaign_delete, name="campaign-delete"),
    path("offers/", offers.offer_list, name="offer-list"),
    path("offers/new/", offers.offer_create, name="offer-create"),
    path("offers/<uuid:pk>/", offers.offer_detail, name="offer-detail"),
    path("offers/<uuid:pk>/edit/", offers.offer_edit, name="offer-edit"),
    path("offers/<uuid:pk>/delete/", offers.offer_delete, name="offer-delete"),
    path("contacts/<uuid:pk>/offer/made/", offers.offer_made, name="offer-made"),
    path("contacts/<uuid:pk>/offer/deal/", offers.offer_deal, name="offer-deal"),
    path("contacts/<uuid:pk>/offer/decline/", offers.offer_decline, name="offer-decline"),
    path("contacts/<uuid:pk>/consent/", consent.consent_change, name="consent-change"),
    path("contacts/<uuid:pk>/consent/history/", consent.consent_history, name="consent-history"),
    path("suppressions/", consent.suppression_list, name="suppression-list"),
    path("suppressions/<uuid:pk>/remove/", consent.suppression_remove, name="suppression-remove"),
    # Public, reached from e-mails: no sign-in.
    path("u/<str:token>/", public.unsubscribe_view, name="unsubscribe"),
    path("c/<str:token>/", public.confirm_view, name="confirm"),
    path("t/o/<str:token>.gif", tracking.track_open, name="track-open"),
    path("t/c/<str:token>/", tracking.track_click, name="track-click"),
    path("t/jo/<str:token>.gif", tracking.journey_open, name="journey-open"),
    path("t/jc/<str:token>/", tracking.journey_click, name="journey-click"),
]
