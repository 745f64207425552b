from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "accord.people"
    label = "people"
    verbose_name = _("Companies and contacts")

    def ready(self) -> None:
        from accord.core import attachments
        from accord.people import (  # noqa: F401 - registers the lists, the imports and the search box entries
            importers,
            lists,
            searching,
        )
        from accord.people.models import Company, Contact

        searching.register()
        attachments.enable(Contact)
        attachments.enable(Company)
