"""Message templates: rendering with only the variables given, escaping in HTML, the site's
language as the fallback, the seeded quote e-mails, and the administrators' screens."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.core.access import AccessDenied
from accord.messaging.models import MessageTemplate
from accord.messaging.services.templates import TemplateMissing, preview, render, save_template


def make(kind="notice", language="en", **fields):
    values = {"subject": "Hello {{ name }}", "body_text": "Dear {{ name }},\nsee {{ number }}.", "body_html": ""}
    values.update(fields)
    return MessageTemplate.objects.create(kind=kind, channel="email", language=language, **values)


def test_variables_are_filled_in_and_html_is_escaped_only_in_the_html_text(db):
    make(body_html="<p>Dear {{ name }}</p>")

    rendered = render("notice", "email", "en", {"name": "Tom & <Jerry>", "number": "Q-1"})

    assert rendered.subject == "Hello Tom & <Jerry>"
    assert rendered.text == "Dear Tom & <Jerry>,\nsee Q-1."
    assert rendered.html == "<p>Dear Tom &amp; &lt;Jerry&gt;</p>"
    assert rendered.language == "en"


def test_a_template_sees_only_the_variables_it_is_given(db):
    make(body_text="{{ user }}{{ request }}{{ settings.SECRET_KEY }}[{{ name }}]")

    assert render("notice", "email", "en", {"name": "Ewa"}).text == "[Ewa]"


def test_a_template_cannot_load_tags_or_include_files(admin_user):
    for source in ("{% load static %}x", '{% include "base.html" %}'):
        with pytest.raises(ValidationError) as caught:
            save_template(
                actor=admin_user,
                data={"kind": "notice", "channel": "email", "language": "en", "subject": "s", "body_text": source},
            )
        assert set(caught.value.message_dict) == {"body_text"}


def test_a_language_without_its_own_template_gets_the_sites(db, settings):
    settings.LANGUAGE_CODE = "en"
    make(language="en", subject="Hello")
    make(language="lt", subject="Labas")

    assert render("notice", "email", "lt", {}).subject == "Labas"
    assert render("notice", "email", "ru", {}).subject == "Hello"
    with pytest.raises(TemplateMissing):
        render("unknown", "email", "en", {})


def test_the_quote_e_mail_is_seeded_in_every_language(db):
    subjects = {
        language: render("quote", "email", language, {"number": "Q-7"}).subject
        for language in ("en", "pl", "lt", "ro", "ru")
    }

    assert subjects["en"] == "Quote Q-7"
    assert subjects["pl"] == "Oferta Q-7"
    assert len(set(subjects.values())) >= 4  # each in its own words (some languages may share a word)
    assert "Q-7" in render("quote", "email", "pl", {"number": "Q-7"}).text


def test_only_an_administrator_saves_templates(owner):
    with pytest.raises(AccessDenied):
        save_template(
            actor=owner,
            data={"kind": "notice", "channel": "email", "language": "en", "subject": "s", "body_text": "t"},
        )


def test_a_second_template_of_the_same_kind_channel_and_language_is_refused(admin_user):
    make()

    with pytest.raises(ValidationError) as caught:
        save_template(
            actor=admin_user,
            data={"kind": "notice", "channel": "email", "language": "en", "subject": "s", "body_text": "t"},
        )

    assert set(caught.value.message_dict) == {"language"}


def test_the_preview_uses_the_kinds_sample_variables(db):
    template = MessageTemplate.objects.get(kind="quote", channel="email", language="en")

    assert preview(template).subject == "Quote Q-2026-0042/2"


def test_an_administrator_lists_edits_and_previews_templates(login, admin_user):
    template = MessageTemplate.objects.get(kind="quote", channel="email", language="pl")
    client = login(admin_user)

    listed = client.get(reverse("messaging:templates")).content.decode()
    previewed = client.post(
        reverse("messaging:template-edit", args=[template.pk]),
        {"subject": "Nowa oferta {{ number }}", "body_text": "Oto {{ number }}.", "preview": "1"},
    )
    saved = client.post(
        reverse("messaging:template-edit", args=[template.pk]),
        {"subject": "Nowa oferta {{ number }}", "body_text": "Oto {{ number }}."},
    )

    assert reverse("messaging:template-edit", args=[template.pk]) in listed
    assert "Nowa oferta Q-2026-0042/2" in previewed.content.decode()
    assert MessageTemplate.objects.get(pk=template.pk).subject == "Nowa oferta {{ number }}"
    assert saved.status_code == 302


def test_a_template_error_is_shown_on_the_form(login, admin_user):
    response = login(admin_user).post(
        reverse("messaging:template-new"),
        {"kind": "notice", "channel": "email", "language": "en", "subject": "s", "body_text": "{% if %}"},
    )

    assert response.status_code == 200
    assert "This template has an error" in response.content.decode()
    assert not MessageTemplate.objects.filter(kind="notice").exists()


def test_template_screens_are_for_administrators_only(login, owner):
    client = login(owner)

    assert client.get(reverse("messaging:templates")).status_code == 403
    assert client.get(reverse("messaging:template-new")).status_code == 403
