"""The roles every installation starts with. Admins may change their rules afterwards."""

from typing import Any

from django.utils.translation import gettext_lazy as _

# The default roles' names in the user's language; a role an admin renamed keeps its own name.
TRANSLATED_NAMES = {
    "Administrator": _("Administrator"),
    "Manager": _("Manager"),
    "Sales rep": _("Sales rep"),
    "Support agent": _("Support agent"),
    "Marketer": _("Marketer"),
    "Read-only": _("Read-only"),
    "Portal customer": _("Portal customer"),
    "Partner": _("Partner"),
}

DEFAULT_ROLES = [
    # code, name, visibility, can_create, edit_reach, delete_reach, can_export, can_reassign, is_admin
    ("admin", "Administrator", "all", True, "visible", "visible", True, True, True),
    ("manager", "Manager", "team", True, "visible", "visible", True, True, False),
    ("sales_rep", "Sales rep", "team", True, "visible", "own", False, False, False),
    ("support_agent", "Support agent", "all", True, "visible", "none", False, False, False),
    ("marketer", "Marketer", "all", True, "visible", "none", True, False, False),
    ("read_only", "Read-only", "team", False, "none", "none", False, False, False),
    # Portal users own no records and may change none through the staff policy: the portal reads
    # and writes for them through its own selectors, filtered by their company.
    ("portal_customer", "Portal customer", "own", False, "none", "none", False, False, False),
    ("partner", "Partner", "own", False, "none", "none", False, False, False),
]

# The roles of people outside the company: confined to the portal.
PORTAL_ROLES = frozenset({"portal_customer", "partner"})


def is_portal_role(code: str) -> bool:
    return code in PORTAL_ROLES


# The default roles that see deals' and quotes' amounts. Read-only sees its team's records as a
# member of a sales team does (an assistant, a trainee, a controller), and a sales team's records
# without their amounts would be of little use to it; support agents and marketers see every
# record, so for them amounts are left out unless an admin switches them on.
SEES_AMOUNTS = frozenset({"admin", "manager", "sales_rep", "read_only"})


def ensure_default_roles(role_model: Any = None) -> None:
    """Create the default roles that are missing; never overwrites an admin's changes."""
    if role_model is None:
        from accord.identity.models import Role as role_model
    # A migration's historical Role may predate a rule (``sees_amounts`` came later, with its own
    # data migration): set only the rules that model has.
    fields = {f.name for f in role_model._meta.get_fields()}
    for code, name, visibility, create, edit, delete, export, reassign, admin in DEFAULT_ROLES:
        extra = {"sees_amounts": code in SEES_AMOUNTS} if "sees_amounts" in fields else {}
        role_model.objects.get_or_create(
            code=code,
            defaults={
                **extra,
                "name": name,
                "visibility": visibility,
                "can_create": create,
                "edit_reach": edit,
                "delete_reach": delete,
                "can_export": export,
                "can_reassign": reassign,
                "is_admin": admin,
            },
        )
