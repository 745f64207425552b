"""Redirects whose target comes from the request stay on this site: only a path starting with one '/'."""

from __future__ import annotations

from typing import Any

import pytest

from accord.core.models import SavedView
from accord.core.redirects import safe_path

HOSTILE = [
    "https://evil.example",
    "http://evil.example/contacts/",
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "https:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "https://crm@evil.example",
    "//crm@evil.example",
    "https://testserver@evil.example/",
    "https://testserver/contacts/",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_anything_but_a_path_on_this_site_gives_the_fallback(target: str) -> None:
    assert safe_path(target, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", ["/", "/contacts/", "/contacts/?q=a%2F%2Fb&sort=-name", "/account/#tokens", "/@me"])
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert safe_path(target, "/fallback/") == target


def test_a_value_that_is_not_text_gives_the_fallback() -> None:
    assert safe_path(None, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", HOSTILE)
def test_saving_a_view_never_leaves_the_site(login: Any, owner: Any, target: str) -> None:
    client = login(owner)

    response = client.post("/views/", {"entity": "people.contact", "name": "Mine", "query": "q=a", "path": target})

    assert response.status_code == 302
    assert response["Location"] == "/?q=a"
    assert SavedView.objects.get(user=owner).name == "Mine"


@pytest.mark.parametrize("target", HOSTILE)
def test_a_refused_view_never_leaves_the_site(login: Any, owner: Any, target: str) -> None:
    client = login(owner)

    response = client.post("/views/", {"entity": "people.contact", "name": "", "path": target, "next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_saving_a_view_returns_to_the_list_it_was_saved_on(login: Any, owner: Any) -> None:
    response = login(owner).post(
        "/views/", {"entity": "people.contact", "name": "Mine", "query": "q=a", "path": "/contacts/"}
    )

    assert response["Location"] == "/contacts/?q=a"


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_deleting_a_view_never_leaves_the_site(login: Any, owner: Any, target: str) -> None:
    view = SavedView.objects.create(user=owner, entity="people.contact", name="Mine", query="")

    response = login(owner).post(f"/views/{view.pk}/delete/", {"next": target})

    assert response["Location"] == "/"
