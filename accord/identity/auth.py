"""How the REST API knows who is calling: a bearer token, or the browser's session (with CSRF)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from accord.identity.middleware import is_portal_user
from accord.identity.services import authenticate_token


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None and is_portal_user(user):
            # The staff API is not the portal's: a portal user's token answers nothing here.
            return None
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The browser's session, for requests that bring no credential of their own: a request with an
    ``Authorization`` header is answered by that credential alone, so a wrong token is a 401 and
    never falls back to a session (which may not have passed two-factor sign-in)."""

    def authenticate(self, request: HttpRequest, key: Any) -> Any:
        if request.headers.get("Authorization"):
            return None
        user = request.user
        if user.is_authenticated and user.is_active and not is_portal_user(user):
            return user
        return None


api_auth = [BearerTokenAuth(), BrowserSessionAuth()]
