"""The API's own error answers: a malformed body is 400 and an unknown path 404, both in JSON."""

from __future__ import annotations

from typing import Any

import pytest

from accord.core.models import Attachment


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\u00e9"],
)
def test_malformed_multipart_body_is_400_json(api: Any, owner: Any, content_type: str) -> None:
    client = api(owner)

    response = client.client.post(
        "/api/v1/attachments", data=b"not multipart at all", content_type=content_type, headers=client.headers
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "message": "The multipart request body is malformed: send multipart/form-data with a valid boundary.",
        "errors": {},
    }
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/", "/api/v1", "/api/", "/api", "/api/v2/contacts", "/api/v1/contacts/not-a-uuid"]
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_path_is_json_404(api: Any, owner: Any, path: str, method: str) -> None:
    response = getattr(api(owner), method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"message": "Not found.", "errors": {}}


def test_trailing_slash_is_json_404_naming_the_path(api: Any, owner: Any) -> None:
    response = api(owner).get("/api/v1/contacts/")

    assert response.status_code == 404
    assert response.json() == {
        "message": "Not found. API paths have no trailing slash: /api/v1/contacts",
        "errors": {},
    }


def test_unknown_api_path_is_json_404_without_credentials(api: Any) -> None:
    response = api(None).post("/api/v1/contacts/", {"first_name": "Ewa"})

    assert response.status_code == 404
    assert response.json()["message"] == "Not found. API paths have no trailing slash: /api/v1/contacts"


@pytest.mark.parametrize("path", ["/companies", "/contacts", "/products", "/deals", "/leads", "/quotes", "/tasks"])
@pytest.mark.parametrize("param", ["q", "name"])
def test_a_nul_character_in_a_list_parameter_is_refused_by_name(api, admin_user, path, param):
    response = api(admin_user).get(path, {param: "ab\x00c"})

    assert response.status_code == 400, response.content
    assert response.json()["errors"][param][0] == "Text cannot contain NUL characters."


def test_a_nul_character_in_a_screens_search_is_dropped(login, admin_user):
    response = login(admin_user).get("/companies/", {"q": "ab\x00c", "name": "x\x00"})

    assert response.status_code == 200
