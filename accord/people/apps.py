from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "accord.people"
    label = "people"
    verbose_name = _("Companies and contacts")

    def ready(self) -> None:
        from accord.core import attachments
        from accord.people import searching  # noqa: F401 - registers contacts and companies in the search box
        from accord.people.models import Company, Contact

        attachments.enable(Contact)
        attachments.enable(Company)
