from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "accord.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        from accord.core import lists
        from accord.marketing import events, handlers, panels  # noqa: F401 - event payloads and consumers; the contact page's consent panel
        from accord.marketing import lists as marketing_lists  # noqa: F401 - the contact list's consent filter
        from accord.marketing.segmenting import builtin  # noqa: F401 - registers the built-in rule types
        from accord.marketing.views.segments import may_add_to_list
        from accord.people import lists as people_lists  # noqa: F401 - the contact list is registered

        lists.add_linked_action(
            "contact",
            lists.LinkedAction(
                "add_to_list", _("Add to list"), "list", "marketing:segment-add-to-list", offered=may_add_to_list
            ),
        )
