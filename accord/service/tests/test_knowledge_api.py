"""The knowledge base's API: an article written, translated, published, revised and restored, read
back; versions and 409; 422 naming the field; the same Idempotency-Key creating once; categories;
the ranked search and the suggestions for a text."""

from __future__ import annotations

from typing import Any

import pytest

from accord.service import demo_knowledge
from accord.service.models import Article, ArticleCategory

pytestmark = pytest.mark.django_db


def test_an_article_round_trip(support: Any, api: Any) -> None:
    client = api(support)
    category = client.post("/kb/categories", {"name": "Printing"}).json()

    created = client.post(
        "/kb/articles",
        {
            "title": "The printer does not print",
            "body": "Check the cable.",
            "language": "en",
            "category": category["id"],
            "visibility": "public",
        },
    )
    article = created.json()
    changed = client.patch(f"/kb/articles/{article['id']}", {"version": 1, "body": "Restart the printer."})
    published = client.post(f"/kb/articles/{article['id']}/publish", {"version": 2})
    translated = client.post(
        f"/kb/articles/{article['id']}/translations",
        {"language": "pl", "title": "Drukarka nie drukuje", "body": "Uruchom ją ponownie."},
    )
    revisions = client.get(f"/kb/articles/{article['id']}/revisions")
    first = client.get(f"/kb/articles/{article['id']}/revisions/1")
    restored = client.post(f"/kb/articles/{article['id']}/revisions/1/restore", {}, headers={"If-Match": '"3"'})
    read = client.get(f"/kb/articles/{article['id']}")

    assert created.status_code == 201, created.content
    assert (article["status"], article["revision"], article["category_id"]) == ("draft", 1, category["id"])
    assert changed.status_code == 200
    assert (changed.json()["version"], changed.json()["revision"], changed["ETag"]) == (2, 2, '"2"')
    assert (published.json()["status"], published.json()["version"]) == ("published", 3)
    assert translated.status_code == 201
    assert translated.json()["translations"] == [
        {"id": article["id"], "language": "en", "title": "The printer does not print", "status": "published"}
    ]
    assert [(r["number"], r["restored_from"]) for r in revisions.json()] == [(2, None), (1, None)]
    assert first.json()["body"] == "Check the cable."
    assert restored.status_code == 200
    assert (restored.json()["body"], restored.json()["revision"], restored.json()["version"]) == (
        "Check the cable.",
        3,
        4,
    )
    assert read["ETag"] == '"4"'
    assert [t["language"] for t in read.json()["translations"]] == ["pl"]

    deleted = client.delete(f"/kb/articles/{translated.json()['id']}", headers={"If-Match": '"1"'})
    assert deleted.status_code == 204
    assert Article.objects.count() == 1


def test_a_stale_version_is_409_and_changes_nothing(support: Any, api: Any) -> None:
    client = api(support)
    article = client.post("/kb/articles", {"title": "Toner", "body": "Shake it.", "language": "en"}).json()
    client.patch(f"/kb/articles/{article['id']}", {"version": 1, "title": "Toner cartridge"})

    stale = client.patch(f"/kb/articles/{article['id']}", {"version": 1, "title": "Old"})
    stale_delete = client.delete(f"/kb/articles/{article['id']}", headers={"If-Match": '"1"'})

    assert stale.status_code == stale_delete.status_code == 409
    assert Article.objects.get().title == "Toner cartridge"


def test_bad_input_is_422_naming_each_field(support: Any, api: Any) -> None:
    client = api(support)

    refused = client.post(
        "/kb/articles", {"title": "", "body": "x" * 100_001, "language": "de", "category": str(support.pk)}
    )
    unknown = client.post("/kb/articles", {"title": "T", "body": "B", "language": "en", "colour": "red"})
    bad_visibility = client.post("/kb/articles", {"title": "T", "body": "B", "language": "en", "visibility": "all"})
    bad_category = client.post("/kb/categories", {"name": " ", "position": -1})

    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"title", "body", "language", "category"}
    assert unknown.status_code == bad_visibility.status_code == 422
    assert "colour" in unknown.json()["errors"]
    assert "visibility" in bad_visibility.json()["errors"]
    assert set(bad_category.json()["errors"]) == {"name", "position"}
    assert not Article.objects.exists()
    assert not ArticleCategory.objects.exists()


def test_the_same_idempotency_key_creates_once(support: Any, api: Any) -> None:
    client = api(support)
    body = {"title": "Delivery times", "body": "Two days.", "language": "en"}

    first = client.post("/kb/articles", body, headers={"Idempotency-Key": "kb-1"})
    again = client.post("/kb/articles", body, headers={"Idempotency-Key": "kb-1"})

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Article.objects.count() == 1


def test_a_read_only_user_may_not_write(viewer: Any, api: Any) -> None:
    refused = api(viewer).post("/kb/articles", {"title": "T", "body": "B", "language": "en"})
    assert refused.status_code == 403
    assert not Article.objects.exists()


def test_list_search_and_suggest(support: Any, api: Any) -> None:
    demo_knowledge.seed(actor=support)
    client = api(support)

    listed = client.get("/kb/articles", {"language": "pl", "q": "faktur"})
    ranked = client.get("/kb/search", {"q": "toner", "language": "en"})
    folded = client.get("/kb/search", {"q": "haslo"})
    suggested = client.get(
        "/kb/suggest",
        {"q": "Our parcel has not arrived yet, when will the delivery come? We ordered on Monday.", "language": "en"},
    )
    bad_list = client.get("/kb/articles", {"status": "lost"})

    assert [a["title"] for a in listed.json()["items"]] == [
        "Gdzie znaleźć faktury",
        "Płatność za fakturę i terminy płatności",
    ]
    assert [a["title"] for a in ranked.json()] == ["Replacing the toner cartridge", "The printer does not print"]
    assert [a["title"] for a in folded.json()] == ["Resetowanie hasła"]
    assert suggested.status_code == 200
    assert suggested.json()[0]["title"] == "Delivery times"
    assert suggested.json()[0]["score"] >= suggested.json()[-1]["score"]
    assert bad_list.status_code == 400
