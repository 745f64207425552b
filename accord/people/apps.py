from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "accord.people"
    label = "people"
    verbose_name = _("Companies and contacts")

    def ready(self) -> None:
        from accord.people import lists, searching  # noqa: F401 - registers the lists; contacts and companies in search

        searching.register()
