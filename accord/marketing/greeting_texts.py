"""The words of greetings: placeholders, their filling in, and the default rules' texts.

A greeting's text is plain text with a few placeholders in braces, ``{first_name}``, filled by
simple substitution, not by a template engine: a marketer's text can reach nothing but the
values listed here (no attribute, no lookup, no tag or filter that touches the database), a typo
in a placeholder is refused when the rule is saved, naming it, and filling in is a dictionary
look-up per placeholder, which a run writing to thousands of contacts does not notice. Greetings
need no logic; a brace that is not a placeholder is written doubled, ``{{``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDERS = {
    "first_name": gettext_lazy("the contact's first name"),
    "last_name": gettext_lazy("the contact's last name"),
    "full_name": gettext_lazy("the contact's full name"),
    "company": gettext_lazy("the contact's company"),
    "occasion": gettext_lazy("what is celebrated (a holiday's name)"),
    "years": gettext_lazy("years since (anniversaries)"),
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def problems(text: str) -> list[str]:
    """What is wrong with the placeholders of ``text`` (empty when nothing)."""
    found = []
    for match in _TOKEN.finditer(text):
        name = match.group(1)
        if name is not None and name.strip() not in PLACEHOLDERS:
            found.append(
                _("Unknown placeholder {%(name)s}; use one of: %(known)s.")
                % {"name": name, "known": ", ".join(f"{{{k}}}" for k in PLACEHOLDERS)}
            )
    stray = _TOKEN.sub("", text)
    if "{" in stray or "}" in stray:
        found.append(_("A brace that is not a placeholder must be doubled: {{ or }}."))
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders replaced by ``values`` (a missing value is empty)."""

    def one(match: re.Match[str]) -> str:
        found = match.group(0)
        if found in ("{{", "}}"):
            return found[0]
        return str(values.get(match.group(1).strip(), ""))

    return _TOKEN.sub(one, text)


# The rules made when marketing is installed (disabled until a marketer turns them on): an
# occasion, its name and its texts per language.
DEFAULT_RULES: list[dict[str, object]] = [
    {
        "name": "Birthday wishes",
        "occasion": "birthday",
        "texts": {
            "en": {
                "subject": "Happy birthday, {first_name}!",
                "body": "Dear {first_name},\n\nall of us at {company} wish you a happy birthday: health, joy "
                "and every success in the year ahead.\n\nWarm regards",
            },
            "pl": {
                "subject": "Wszystkiego najlepszego, {first_name}!",
                "body": "Droga/Drogi {first_name},\n\nz okazji urodzin życzymy zdrowia, radości i wielu sukcesów "
                "w nadchodzącym roku.\n\nSerdeczne pozdrowienia",
            },
            "lt": {
                "subject": "Su gimtadieniu, {first_name}!",
                "body": "Mielas(-a) {first_name},\n\ngimtadienio proga linkime sveikatos, džiaugsmo ir sėkmės "
                "ateinančiais metais.\n\nNuoširdžiai",
            },
            "ro": {
                "subject": "La mulți ani, {first_name}!",
                "body": "Dragă {first_name},\n\ncu ocazia zilei de naștere vă dorim sănătate, bucurii și mult "
                "succes în anul care vine.\n\nCu drag",
            },
            "ru": {
                "subject": "С днём рождения, {first_name}!",
                "body": "Уважаемый(-ая) {first_name}!\n\nПоздравляем вас с днём рождения и желаем здоровья, "
                "радости и успехов в новом году жизни.\n\nС наилучшими пожеланиями",
            },
        },
    },
    {
        "name": "Name-day wishes",
        "occasion": "name_day",
        "texts": {
            "en": {
                "subject": "Happy name day, {first_name}!",
                "body": "Dear {first_name},\n\nbest wishes on your name day!\n\nWarm regards",
            },
            "pl": {
                "subject": "Wszystkiego najlepszego z okazji imienin!",
                "body": "Droga/Drogi {first_name},\n\nz okazji imienin składamy najserdeczniejsze życzenia "
                "zdrowia i pomyślności.\n\nSerdeczne pozdrowienia",
            },
            "lt": {
                "subject": "Su vardo diena, {first_name}!",
                "body": "Mielas(-a) {first_name},\n\nvardo dienos proga linkime geros nuotaikos ir sėkmės."
                "\n\nNuoširdžiai",
            },
            "ro": {
                "subject": "La mulți ani de onomastică, {first_name}!",
                "body": "Dragă {first_name},\n\nde ziua numelui vă dorim sănătate și bucurii.\n\nCu drag",
            },
            "ru": {
                "subject": "С днём ангела, {first_name}!",
                "body": "Уважаемый(-ая) {first_name}!\n\nПоздравляем вас с именинами и желаем счастья и "
                "благополучия.\n\nС наилучшими пожеланиями",
            },
        },
    },
    {
        "name": "New Year and Christmas",
        "occasion": "holiday",
        "holidays": ["New Year's Day", "New Year Holidays", "Christmas Day"],
        "texts": {
            "en": {
                "subject": "Season's greetings: {occasion}",
                "body": "Dear {first_name},\n\nwe wish you and your loved ones a joyful {occasion}.\n\nWarm regards",
            },
            "pl": {
                "subject": "Życzenia świąteczne: {occasion}",
                "body": "Droga/Drogi {first_name},\n\nz okazji święta ({occasion}) życzymy Tobie i Twoim "
                "bliskim radości i spokoju.\n\nSerdeczne pozdrowienia",
            },
            "lt": {
                "subject": "Sveikiname: {occasion}",
                "body": "Mielas(-a) {first_name},\n\nšvenčių ({occasion}) proga linkime jums ir jūsų "
                "artimiesiems džiaugsmo ir ramybės.\n\nNuoširdžiai",
            },
            "ro": {
                "subject": "Sărbători fericite: {occasion}",
                "body": "Dragă {first_name},\n\ncu ocazia sărbătorii ({occasion}) vă dorim dumneavoastră și "
                "celor dragi bucurie și liniște.\n\nCu drag",
            },
            "ru": {
                "subject": "С праздником: {occasion}",
                "body": "Уважаемый(-ая) {first_name}!\n\nПоздравляем вас и ваших близких с праздником "
                "({occasion}) и желаем радости и мира.\n\nС наилучшими пожеланиями",
            },
        },
    },
    {
        "name": "Company anniversary",
        "occasion": "company_anniversary",
        "texts": {
            "en": {
                "subject": "{years} years of {company}: congratulations!",
                "body": "Dear {first_name},\n\ncongratulations on {years} years of {company}! We wish your "
                "company many more successful years.\n\nWarm regards",
            },
            "pl": {
                "subject": "{years} lat firmy {company}: gratulacje!",
                "body": "Droga/Drogi {first_name},\n\ngratulujemy jubileuszu firmy {company} ({years} lat) i "
                "życzymy wielu kolejnych udanych lat.\n\nSerdeczne pozdrowienia",
            },
            "lt": {
                "subject": "{company} – {years} m.: sveikiname!",
                "body": "Mielas(-a) {first_name},\n\nsveikiname {company} jubiliejaus ({years} m.) proga ir "
                "linkime dar daug sėkmingų metų.\n\nNuoširdžiai",
            },
            "ro": {
                "subject": "{company} – {years} ani: felicitări!",
                "body": "Dragă {first_name},\n\nfelicitări pentru aniversarea companiei {company} ({years} ani)! "
                "Vă dorim mulți ani de succes de acum înainte.\n\nCu drag",
            },
            "ru": {
                "subject": "{company} – {years} лет: поздравляем!",
                "body": "Уважаемый(-ая) {first_name}!\n\nПоздравляем компанию {company} с юбилеем ({years}) и "
                "желаем ещё многих успешных лет.\n\nС наилучшими пожеланиями",
            },
        },
    },
    {
        "name": "Customer anniversary",
        "occasion": "customer_anniversary",
        "texts": {
            "en": {
                "subject": "Thank you for {years} years together",
                "body": "Dear {first_name},\n\ntoday it is {years} years since we started working together. "
                "Thank you for your trust!\n\nWarm regards",
            },
            "pl": {
                "subject": "Dziękujemy za wspólne lata ({years})",
                "body": "Droga/Drogi {first_name},\n\ndziś mija kolejna rocznica naszej współpracy (lata: "
                "{years}). Dziękujemy za zaufanie!\n\nSerdeczne pozdrowienia",
            },
            "lt": {
                "subject": "Ačiū už bendrus metus ({years})",
                "body": "Mielas(-a) {first_name},\n\nšiandien sukanka mūsų bendradarbiavimo metinės (metai: "
                "{years}). Ačiū už pasitikėjimą!\n\nNuoširdžiai",
            },
            "ro": {
                "subject": "Vă mulțumim pentru anii împreună ({years})",
                "body": "Dragă {first_name},\n\nastăzi se împlinesc {years} ani de colaborare. Vă mulțumim "
                "pentru încredere!\n\nCu drag",
            },
            "ru": {
                "subject": "Спасибо за годы сотрудничества ({years})",
                "body": "Уважаемый(-ая) {first_name}!\n\nСегодня годовщина нашего сотрудничества (лет: "
                "{years}). Спасибо за доверие!\n\nС наилучшими пожеланиями",
            },
        },
    },
]


def ensure_default_rules(model: Any = None) -> int:
    """The default rules, one per occasion on e-mail, disabled (nobody is written to before a
    marketer says so), when there are no rules at all; returns how many were made. ``model``:
    the migration's historical ``GreetingRule``."""
    if model is None:
        from accord.marketing.models import GreetingRule as model
    if model.objects.exists():
        return 0
    for default in DEFAULT_RULES:
        model.objects.create(
            name=default["name"],
            occasion=default["occasion"],
            holidays=list(default.get("holidays", []) or []),  # type: ignore[call-overload]
            channel="email",
            texts=default["texts"],
            enabled=False,
        )
    return len(DEFAULT_RULES)
