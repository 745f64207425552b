"""URLs of the marketing screens."""

from django.urls import URLPattern, URLResolver, path

from accord.marketing.views import consent, greetings, public

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("greetings/", greetings.greetings_home, name="greetings"),
    path("greetings/rules/new/", greetings.rule_edit, name="greeting-rule-new"),
    path("greetings/rules/<uuid:pk>/", greetings.rule_edit, name="greeting-rule-edit"),
    path("greetings/rules/<uuid:pk>/delete/", greetings.rule_delete, name="greeting-rule-delete"),
    path("contacts/<uuid:pk>/consent/", consent.consent_change, name="consent-change"),
    path("contacts/<uuid:pk>/consent/history/", consent.consent_history, name="consent-history"),
    path("suppressions/", consent.suppression_list, name="suppression-list"),
    path("suppressions/<uuid:pk>/remove/", consent.suppression_remove, name="suppression-remove"),
    # Public, reached from e-mails: no sign-in.
    path("u/<str:token>/", public.unsubscribe_view, name="unsubscribe"),
    path("c/<str:token>/", public.confirm_view, name="confirm"),
]
