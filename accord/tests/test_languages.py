"""The interface's five languages: each is offered, switches the screens, and counts in its own
plural forms (the catalogues' completeness is checked by scripts/check_translations.py)."""

import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

CATALOGUES = Path(__file__).resolve().parent.parent / "locale"

# The plural form each language uses for a count, by the CLDR rules, written out independently of
# the catalogues' Plural-Forms expressions so that a wrong expression fails here.
EXPECTED_FORM = {
    "pl": {1: 0, 2: 1, 5: 2, 11: 2, 12: 2, 21: 2, 22: 1, 25: 2},
    "lt": {1: 0, 2: 1, 5: 1, 10: 3, 11: 3, 12: 3, 21: 0, 22: 1, 25: 1},
    "ro": {1: 0, 2: 1, 5: 1, 19: 1, 20: 2, 21: 2, 22: 2, 25: 2, 102: 1},
    "ru": {1: 0, 2: 1, 5: 2, 11: 2, 12: 2, 21: 0, 22: 1, 25: 2},
}
SINGULAR = "%(counter)s unread notification"
PLURAL = "%(counter)s unread notifications"


def test_the_switch_offers_all_five_languages() -> None:
    assert [code for code, _ in settings.LANGUAGES] == ["en", "pl", "lt", "ro", "ru"]
    for code, _name in settings.LANGUAGES[1:]:
        assert (CATALOGUES / code / "LC_MESSAGES" / "django.mo").exists(), code


@pytest.mark.parametrize("language", sorted(EXPECTED_FORM))
def test_counts_take_the_languages_plural_forms(language: str) -> None:
    po = polib.pofile(str(CATALOGUES / language / "LC_MESSAGES" / "django.po"))
    entry = po.find(SINGULAR)
    assert entry is not None
    assert entry.msgid_plural == PLURAL
    forms = entry.msgstr_plural
    # The forms are the language's own words, not one copied into every slot.
    assert len({forms[i] for i in set(EXPECTED_FORM[language].values())}) == len(set(EXPECTED_FORM[language].values()))
    with translation.override(language):
        for count, form in EXPECTED_FORM[language].items():
            shown = translation.ngettext(SINGULAR, PLURAL, count) % {"counter": count}
            assert shown == forms[form] % {"counter": count}, (language, count)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "log_in"),
    [("en", "Log in"), ("pl", "Zaloguj się"), ("lt", None), ("ro", None), ("ru", None)],
)
def test_the_login_page_speaks_the_chosen_language(client, language: str, log_in: str | None) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/login/").content.decode()
    assert f'<html lang="{language}"' in html
    with translation.override(language):
        expected = log_in or translation.gettext("Log in to your account")
    assert expected in html
    if language != "en":
        assert "Log in to your account" not in html


def _settings_with(language: str) -> subprocess.CompletedProcess[str]:
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'accord.settings'; django.setup(); "
    code += "from django.conf import settings; print(settings.LANGUAGE_CODE)"
    environment = {**os.environ, "ACCORD_LANGUAGE": language}
    return subprocess.run(  # noqa: S603 - this interpreter with a fixed script
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )


def test_the_installations_language_comes_from_the_environment_and_must_be_one_of_the_five() -> None:
    chosen = _settings_with("ro")
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip() == "ro"
    refused = _settings_with("de")
    assert refused.returncode != 0
    assert "ACCORD_LANGUAGE='de' is not one of Accord's languages: en, pl, lt, ro, ru" in refused.stderr
