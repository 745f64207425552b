from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _repair_search_indexes(using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from accord.core import search

    search.repair_indexes(connections[using], search.searchable_models())
    search.install_words(connections[using])


class CoreConfig(AppConfig):
    name = "accord.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from accord.core import event_types  # noqa: F401 - registers the core's event payloads

        post_migrate.connect(_repair_search_indexes, sender=self, dispatch_uid="accord-search-repair")
        # Every app's ``events`` module registers its payloads, so any stored event can be read.
        autodiscover_modules("events")
