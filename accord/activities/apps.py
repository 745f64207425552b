from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "accord.activities"
    label = "activities"
    verbose_name = _("Interactions and tasks")

    def ready(self) -> None:
        from accord.activities import lists, panels  # noqa: F401 - registers the lists and the timeline on 360° pages
