"""State changes of users, teams, roles, territories, API tokens and two-factor sign-in.

Every write is here: typed, keyword-only, in one transaction, validated first (errors keyed by
field), audited with ``core.changes`` and announced as an event (``identity.user.created``,
``identity.role.updated``...). Screens, the API and the command line call these.
"""

from accord.identity.services.organisation import (
    ROLE_FIELDS,
    create_role,
    create_team,
    create_territory,
    delete_role,
    delete_team,
    delete_territory,
    records_using,
    set_role_visibility,
    update_role,
    update_team,
    update_territory,
)
from accord.identity.services.tokens import TOKEN_PREFIX, authenticate_token, create_token, revoke_token
from accord.identity.services.users import (
    change_password,
    create_user,
    mail_configured,
    send_password_reset,
    set_active,
    set_language,
    set_password,
    update_profile,
    update_user,
)

__all__ = [
    "ROLE_FIELDS",
    "TOKEN_PREFIX",
    "authenticate_token",
    "change_password",
    "create_role",
    "create_team",
    "create_territory",
    "create_token",
    "create_user",
    "delete_role",
    "delete_team",
    "delete_territory",
    "mail_configured",
    "records_using",
    "revoke_token",
    "send_password_reset",
    "set_active",
    "set_language",
    "set_password",
    "set_role_visibility",
    "update_profile",
    "update_role",
    "update_team",
    "update_territory",
    "update_user",
]
