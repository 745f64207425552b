"""URLs of the marketing screens."""

from django.urls import URLPattern, URLResolver, path

from accord.marketing.views import greetings

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("greetings/", greetings.greetings_home, name="greetings"),
    path("greetings/rules/new/", greetings.rule_edit, name="greeting-rule-new"),
    path("greetings/rules/<uuid:pk>/", greetings.rule_edit, name="greeting-rule-edit"),
    path("greetings/rules/<uuid:pk>/delete/", greetings.rule_delete, name="greeting-rule-delete"),
]
