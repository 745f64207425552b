"""The knowledge base: articles written, revised, restored, translated and published; who may see
them; the search by title and body with folded diacritics; the articles suggested for a text."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accord.core.access import AccessDenied
from accord.core.errors import Conflict
from accord.core.models import AuditEntry
from accord.service import demo_knowledge
from accord.service.models import Article, ArticleCategory, ArticleRevision
from accord.service.selectors import knowledge as selectors
from accord.service.services import knowledge

pytestmark = pytest.mark.django_db


def _article(actor: Any, **data: Any) -> Article:
    data.setdefault("title", "The printer does not print")
    data.setdefault("body", "Check the cable and the toner.")
    data.setdefault("language", "en")
    return knowledge.create_article(actor=actor, data=data)


def _titles(articles: Any) -> list[str]:
    return [a.title for a in articles]


def test_an_article_is_a_draft_with_its_first_revision_and_an_audit_entry(support: Any) -> None:
    article = _article(support)

    assert (article.status, article.visibility, article.revision, article.version) == ("draft", "internal", 1, 1)
    assert article.author == support
    assert [(r.number, r.title, r.body) for r in selectors.revisions_of(article)] == [
        (1, "The printer does not print", "Check the cable and the toner.")
    ]
    assert AuditEntry.objects.filter(object_id=article.pk, action="create").count() == 1


def test_bad_input_names_every_field_and_stores_nothing(support: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        knowledge.create_article(
            actor=support,
            data={"title": " ", "body": "x" * 100_001, "language": "de", "visibility": "secret", "category": "nope"},
        )

    assert set(caught.value.message_dict) == {"title", "body", "language", "visibility", "category"}
    assert caught.value.message_dict["body"] == ["At most 100000 characters."]
    assert not Article.objects.exists()
    assert not ArticleRevision.objects.exists()


def test_a_read_only_user_may_not_write(viewer: Any, support: Any) -> None:
    with pytest.raises(AccessDenied):
        _article(viewer)
    article = _article(support)
    with pytest.raises(AccessDenied):
        knowledge.publish_article(actor=viewer, article=article)
    assert Article.objects.get().status == "draft"


def test_every_change_of_the_text_is_a_revision_and_an_old_one_can_be_restored(support: Any, manager: Any) -> None:
    article = _article(support)
    article = knowledge.update_article(
        actor=manager, article=article, data={"body": "Restart the printer first."}, expected_version=1
    )
    article = knowledge.update_article(actor=support, article=article, data={"title": "Printer is silent"})
    unchanged = knowledge.update_article(actor=support, article=article, data={"title": "Printer is silent"})

    assert unchanged.version == article.version == 3
    assert [(r.number, r.title, r.body) for r in selectors.revisions_of(article)] == [
        (3, "Printer is silent", "Restart the printer first."),
        (2, "The printer does not print", "Restart the printer first."),
        (1, "The printer does not print", "Check the cable and the toner."),
    ]

    restored = knowledge.restore_revision(actor=support, article=article, number=1, expected_version=3)

    assert (restored.title, restored.body, restored.revision, restored.version) == (
        "The printer does not print",
        "Check the cable and the toner.",
        4,
        4,
    )
    newest = selectors.revision_of(restored, 4)
    assert (newest.restored_from, newest.author) == (1, support)
    assert ArticleRevision.objects.filter(article=article).count() == 4
    assert _titles(selectors.search_articles(support, "cable")) == ["The printer does not print"]
    assert _titles(selectors.search_articles(support, "silent")) == []


def test_restoring_a_revision_that_does_not_exist_names_it(support: Any) -> None:
    article = _article(support)
    with pytest.raises(ValidationError) as caught:
        knowledge.restore_revision(actor=support, article=article, number=7)
    assert set(caught.value.message_dict) == {"revision"}


def test_a_stale_version_is_a_conflict_and_changes_nothing(support: Any) -> None:
    article = _article(support)
    knowledge.update_article(actor=support, article=article, data={"title": "Printer is silent"}, expected_version=1)

    for write in (
        lambda: knowledge.update_article(actor=support, article=article, data={"title": "Old"}, expected_version=1),
        lambda: knowledge.publish_article(actor=support, article=article, expected_version=1),
        lambda: knowledge.restore_revision(actor=support, article=article, number=1, expected_version=1),
        lambda: knowledge.delete_article(actor=support, article=article, expected_version=1),
    ):
        with pytest.raises(Conflict) as caught:
            write()
        assert caught.value.current_version == 2

    fresh = Article.objects.get()
    assert (fresh.title, fresh.status, fresh.version, fresh.revision) == ("Printer is silent", "draft", 2, 2)


def test_translations_share_a_group_one_per_language(support: Any) -> None:
    category = knowledge.create_category(actor=support, data={"name": "Printing"})
    article = _article(support, category=category.pk, visibility="public")
    polish = knowledge.add_translation(
        actor=support, article=article, data={"language": "pl", "title": "Drukarka nie drukuje", "body": "Sprawdź."}
    )

    assert polish.translation_group == article.translation_group
    assert (polish.category, polish.visibility, polish.status) == (category, "public", "draft")
    assert _titles(selectors.translations_of(support, article)) == ["Drukarka nie drukuje"]
    assert [code for code, _name in selectors.free_languages(article)] == ["lt", "ro", "ru"]
    with pytest.raises(ValidationError) as caught:
        knowledge.add_translation(actor=support, article=article, data={"language": "pl", "title": "x", "body": "y"})
    assert caught.value.message_dict == {"language": ["This article already has a version in this language."]}
    with pytest.raises(ValidationError) as caught:
        knowledge.update_article(actor=support, article=polish, data={"language": "en"})
    assert set(caught.value.message_dict) == {"language"}


def test_customers_see_only_public_published_articles(support: Any) -> None:
    public = _article(support, title="Delivery times", visibility="public")
    internal = _article(support, title="Handling a damaged delivery", visibility="internal")
    draft = _article(support, title="Delivery abroad", visibility="public")
    knowledge.publish_article(actor=support, article=public)
    knowledge.publish_article(actor=support, article=internal)
    polish = knowledge.add_translation(
        actor=support, article=public, data={"language": "pl", "title": "Czas dostawy", "body": "Dwa dni."}
    )
    knowledge.publish_article(actor=support, article=polish)

    assert _titles(selectors.public_articles("en")) == ["Delivery times"]
    assert _titles(selectors.public_articles("pl")) == ["Czas dostawy"]
    assert _titles(selectors.visible_articles(None).order_by("title")) == ["Czas dostawy", "Delivery times"]
    assert _titles(selectors.search_articles(None, "delivery")) == ["Delivery times"]
    assert [s.article.title for s in selectors.suggest(None, "damaged delivery", "en")] == ["Delivery times"]
    with pytest.raises(Http404):
        selectors.article_detail(None, internal.pk)
    assert selectors.article_detail(support, draft.pk) == draft
    assert _titles(selectors.search_articles(support, "delivery")) == [
        "Delivery abroad",
        "Delivery times",
        "Handling a damaged delivery",
    ]


def test_unpublishing_takes_an_article_out_of_the_portal(support: Any) -> None:
    article = knowledge.publish_article(actor=support, article=_article(support, visibility="public"))
    assert article.published_at is not None
    article = knowledge.unpublish_article(actor=support, article=article, expected_version=article.version)
    assert (article.status, article.published_at) == ("draft", None)
    assert not selectors.public_articles().exists()


def test_search_finds_by_title_and_body_with_diacritics_folded_title_first(support: Any) -> None:
    turtle = _article(support, title="Żółw w ogrodzie", body="Jak dbać o zwierzęta.", language="pl")
    in_body = _article(support, title="Zwierzęta domowe", body="Pies, kot i żółw.", language="pl")
    _article(support, title="Faktury", body="Gdzie znaleźć fakturę.", language="pl")

    assert _titles(selectors.search_articles(support, "zolw")) == [turtle.title, in_body.title]
    assert _titles(selectors.search_articles(support, "ŻÓŁW")) == [turtle.title, in_body.title]
    assert _titles(selectors.search_articles(support, "zwierzeta")) == [in_body.title, turtle.title]
    assert _titles(selectors.search_articles(support, "kot zolw")) == [in_body.title]
    assert _titles(selectors.search_articles(support, "fakture")) == ["Faktury"]
    assert _titles(selectors.search_articles(support, "zolw", language="en")) == []
    assert _titles(selectors.search_articles(support, "100%_")) == []


def test_search_narrows_to_a_category_and_its_subcategories(support: Any) -> None:
    billing = knowledge.create_category(actor=support, data={"name": "Billing"})
    invoices = knowledge.create_category(actor=support, data={"name": "Invoices", "parent": billing.pk})
    _article(support, title="Invoice copies", category=invoices.pk)
    _article(support, title="Payment terms", category=billing.pk)
    _article(support, title="Printer")

    assert _titles(selectors.search_articles(support, category=billing.pk)) == ["Invoice copies", "Payment terms"]
    assert _titles(selectors.search_articles(support, category=invoices.pk)) == ["Invoice copies"]
    assert [c.path for c in selectors.categories()] == ["Billing", "Billing / Invoices"]


def test_categories_are_checked_and_kept_while_in_use(support: Any) -> None:
    billing = knowledge.create_category(actor=support, data={"name": "Billing"})
    invoices = knowledge.create_category(actor=support, data={"name": "Invoices", "parent": billing.pk})

    with pytest.raises(ValidationError) as caught:
        knowledge.create_category(actor=support, data={"name": "billing", "position": "x"})
    assert set(caught.value.message_dict) == {"name", "position"}
    with pytest.raises(ValidationError) as caught:
        knowledge.update_category(actor=support, category=billing, data={"parent": invoices.pk})
    assert caught.value.message_dict == {"parent": ["A category cannot sit inside itself."]}
    with pytest.raises(Conflict):
        knowledge.update_category(actor=support, category=billing, data={"name": "Money"}, expected_version=9)
    with pytest.raises(ValidationError) as caught:
        knowledge.delete_category(actor=support, category=billing)
    assert set(caught.value.message_dict) == {"category"}

    knowledge.delete_category(actor=support, category=invoices)
    renamed = knowledge.update_category(actor=support, category=billing, data={"name": "Money"}, expected_version=1)
    assert (renamed.name, renamed.version) == ("Money", 2)
    assert list(ArticleCategory.objects.values_list("name", flat=True)) == ["Money"]


def test_meaningful_words_drop_stop_words_and_short_words_and_stem() -> None:
    words = selectors.meaningful_words("Hello Anna, thank you for your e-mail. The printer is printing nothing!")
    assert words == ["print", "anna", "mail", "nothi"]


def test_suggestions_put_the_obvious_article_first_for_an_agents_reply(support: Any) -> None:
    demo_knowledge.seed(actor=support)
    reply = (
        "Dear Mr Kowalski, thank you for your message. I am sorry the printer stopped printing. "
        "Please check whether the light on the printer is blinking red: it usually means a paper jam. "
        "Let me know if it still does not print after a restart."
    )

    found = selectors.suggest(support, reply, "en")

    assert found[0].article.title == "The printer does not print"
    assert all(s.article.language == "en" for s in found)
    assert found[0].score > found[1].score if len(found) > 1 else True


def test_suggestions_for_a_customers_question_in_polish(support: Any) -> None:
    demo_knowledge.seed(actor=support)

    found = selectors.suggest(None, "Nie mogę znaleźć faktury za zamówienie", "pl")
    password = selectors.suggest(None, "zapomniałem hasła", "pl")
    nothing = selectors.suggest(None, "the and for you", "en")

    assert [s.article.title for s in found][:1] == ["Gdzie znaleźć faktury"]
    assert [s.article.title for s in password] == ["Resetowanie hasła"]
    assert nothing == []


def test_suggestions_leave_out_internal_articles_for_customers_only(support: Any) -> None:
    demo_knowledge.seed(actor=support)
    text = "The courier delivered a damaged parcel, the goods are broken"

    for_agent = [s.article.title for s in selectors.suggest(support, text, "en")]
    for_customer = [s.article.title for s in selectors.suggest(None, text, "en")]

    assert for_agent[0] == "Handling a damaged delivery"
    assert "Handling a damaged delivery" not in for_customer


def test_the_demo_seeds_once(support: Any) -> None:
    made = demo_knowledge.seed(actor=support)

    assert len(made) == 12
    assert all(a.status == "published" for a in made)
    assert sorted({a.language for a in made}) == ["en", "pl"]
    assert demo_knowledge.seed(actor=support) == []
    assert Article.objects.count() == 12


def test_the_search_columns_are_folded_and_indexed_on_postgresql(support: Any) -> None:
    from django.db import connection

    article = _article(support, title="Żółw Łukasza", body="Ćwiczenia\nna  co dzień.", language="pl")

    assert (article.search_title, article.search_text) == ("zolw lukasza", "zolw lukasza | cwiczenia na co dzien.")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'service_article_search_trgm'")
            assert "gin_trgm_ops" in cursor.fetchone()[0]
        else:
            # SQLite reads the column as it is: no full-text table to keep in step.
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'service_article_fts%'")
            assert cursor.fetchone()[0] == 0
