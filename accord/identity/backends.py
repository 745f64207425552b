from typing import Any

from django.contrib.auth.backends import ModelBackend


class AccordBackend(ModelBackend):
    """Django's model backend, loading the user's role with the user: the access policy reads it
    on every request, so it should not cost a query of its own."""

    def get_user(self, user_id: Any) -> Any:
        from accord.identity.models import User

        try:
            user = User.objects.select_related("role").get(pk=user_id)
        except (User.DoesNotExist, ValueError):
            return None
        return user if self.user_can_authenticate(user) else None
