from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "accord.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from accord.analytics import events, lists, panels, segmenting  # noqa: F401 - payloads, list filters, panels, segment rules
