from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accord.core import access


def accord(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "ACCORD_NAME": settings.ACCORD_NAME,
        "ADMIN_URL": settings.ADMIN_URL,
        "user_is_admin": access.is_admin(user),
        "user_can_create": access.can_create(user),
        "user_can_export": access.can_export(user),
        "user_sees_amounts": access.sees_amounts(user),
    }
