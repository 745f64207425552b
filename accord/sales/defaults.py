"""The pipeline and lost reasons every installation starts with; admins change them afterwards."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

STAGES = [
    # name, probability, kind
    ("Qualification", 10, "open"),
    ("Needs analysis", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]
LOST_REASONS = ["Price", "Went with a competitor", "No budget", "No decision", "Timing", "Other"]

# The default names in the user's language; renamed ones keep the admin's words.
TRANSLATED = {
    "New business": _("New business"),
    "Qualification": _("Qualification"),
    "Needs analysis": _("Needs analysis"),
    "Proposal": _("Proposal"),
    "Negotiation": _("Negotiation"),
    "Won": pgettext_lazy("stage name", "Won"),
    "Lost": pgettext_lazy("stage name", "Lost"),
    "Price": _("Price"),
    "Went with a competitor": _("Went with a competitor"),
    "No budget": _("No budget"),
    "No decision": _("No decision"),
    "Timing": _("Timing"),
    "Other": _("Other"),
    # The demo's web form: its visitors read it in their own language until an admin rewrites it.
    "Website: request a demo": _("Website: request a demo"),
    "I agree to be contacted about Accord products. I can withdraw this consent at any time.": _(
        "I agree to be contacted about Accord products. I can withdraw this consent at any time."
    ),
    "Thank you! We will get back to you within one working day.": _(
        "Thank you! We will get back to you within one working day."
    ),
}


def label(name: str) -> str:
    return str(TRANSLATED.get(name, name))


def ensure_defaults(pipeline_model: Any = None, stage_model: Any = None, reason_model: Any = None) -> None:
    """Create the default pipeline and lost reasons when there are none (never twice)."""
    if pipeline_model is None:
        from accord.sales.models import LostReason as reason_model
        from accord.sales.models import Pipeline as pipeline_model
        from accord.sales.models import Stage as stage_model
    if not pipeline_model.objects.exists():
        pipeline = pipeline_model.objects.create(name="New business", is_default=True)
        for position, (name, probability, kind) in enumerate(STAGES):
            stage_model.objects.create(
                pipeline=pipeline, name=name, position=position, probability=probability, kind=kind
            )
    if not reason_model.objects.exists():
        for position, name in enumerate(LOST_REASONS):
            reason_model.objects.create(name=name, position=position)
