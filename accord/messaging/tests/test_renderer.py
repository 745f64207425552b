"""``Renderer`` (many messages from the same templates) writes exactly what ``render_template``
writes: the collections' templates in every language with any values, and templates using what
the renderer hands to Django (filters, other tags, attributes, missing variables)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accord.billing.collection_defaults import collection_templates
from accord.messaging.models import MessageTemplate
from accord.messaging.services.templates import Renderer, render_template

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TEXT = st.text(alphabet=st.sampled_from(list("aZż <>&\"'{}%\n0,.")), max_size=12)
INVOICE = st.fixed_dictionaries(
    {
        "number": TEXT,
        "due_date": st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31)),
        "days_overdue": st.integers(min_value=-5, max_value=5000),
        "outstanding": TEXT,
        "interest": st.sampled_from(["", "12,00 zł", "<b>1</b>"]),
        "compensation": st.sampled_from(["", "170,00 zł"]),
    }
)
CONTEXT = st.fixed_dictionaries(
    {
        "customer": TEXT,
        "seller": TEXT,
        "account": TEXT,
        "numbers": TEXT,
        "total": TEXT,
        "interest": st.sampled_from(["", "1 234,56 zł", "a & b"]),
        "compensation": st.sampled_from(["", "170,00 zł"]),
        "to_pay": TEXT,
        "days": st.integers(min_value=0, max_value=100_000),
        "invoices": st.lists(INVOICE, max_size=4),
    }
)


def _templates() -> list[MessageTemplate]:
    found = []
    for language in LANGUAGES:
        with translation.override(language):
            for data in collection_templates():
                found.append(MessageTemplate(language=language, body_html="", **data))
                # The same words as HTML, to check the escaping.
                found.append(
                    MessageTemplate(language=language, **{**data, "body_html": "<p>" + data["body_text"] + "</p>"})
                )
    return found


TEMPLATES = _templates()


@hypothesis_settings(max_examples=200, deadline=None)
@given(context=CONTEXT, template=st.sampled_from(TEMPLATES))
def test_the_collections_templates_come_out_the_same(context: dict[str, Any], template: MessageTemplate) -> None:
    assert Renderer().render(template, context) == render_template(template, context)


ODD = [
    "{{ customer|upper }} {{ total }}",
    "{% for i in invoices %}{{ forloop.counter }}/{{ forloop.revcounter0 }}{% if forloop.last %}.{% endif %}"
    "{{ i.number }}{% empty %}none{% endfor %}",
    "{% for i in invoices reversed %}{{ i.number }},{% endfor %}",
    "{% for i in invoices %}{% for j in invoices %}{{ forloop.parentloop.counter }}{{ j.days_overdue }}"
    "{% endfor %}{% endfor %}",
    "{{ missing }}|{{ customer.missing }}|{{ invoices.0.number }}|{{ None }}{{ True }}",
    "{% if missing %}a{% elif interest %}b{% else %}c{% endif %}{% if not interest %}d{% endif %}",
    "{% comment %}x{% endcomment %}{# y #}{{ 'literal' }}{{ 12 }}{% with a=customer %}{{ a }}{% endwith %}",
    "{{ days }} {{ when }} {{ amount }} {{ flag }} {{ items.count }}",
]


@pytest.mark.parametrize("source", ODD)
@pytest.mark.parametrize("language", ["en", "pl"])
def test_what_the_renderer_hands_to_django_comes_out_the_same(source: str, language: str) -> None:
    template = MessageTemplate(language=language, subject=source, body_text=source, body_html=source)
    context = {
        "customer": "Żółta <Łódź> & Co",
        "total": "1 234,00 zł",
        "interest": "",
        "days": 1234567,
        "when": datetime.datetime(2026, 12, 7, 10, 30, tzinfo=datetime.UTC),
        "amount": __import__("decimal").Decimal("1234.5"),
        "flag": True,
        "items": ["a", "b"],
        "invoices": [
            {"number": "FV/1", "days_overdue": 3, "due_date": datetime.date(2026, 1, 2)},
            {"number": "FV/<2>", "days_overdue": 1500, "due_date": datetime.date(2026, 1, 3)},
        ],
    }
    renderer = Renderer()
    assert renderer.render(template, context) == render_template(template, context)
    assert renderer.render(template, {**context, "invoices": []}) == render_template(
        template, {**context, "invoices": []}
    )
