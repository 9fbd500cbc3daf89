"""The portal's texts: the same keys in Bokmål, Nynorsk and English, and
every key a template or errors.py uses exists (a missing one would render
as an empty string, silently)."""

import pathlib
import re

import pytest

from consent_portal import errors, i18n, persons
from consent_portal.consent import STATUS_SLUGS
from consent_portal.profile import GROUPS

PACKAGE = pathlib.Path(__import__("consent_portal").__file__).parent
TEMPLATES = [t for t in (PACKAGE / "templates").rglob("*.html") if t.parent.name != "texts"]


@pytest.fixture
def modules(make_app):
    app = make_app("127.0.0.1:1")
    with app.app_context():
        return {language: i18n.texts(language) for language in i18n.LANGUAGES}


def used_keys(name):
    keys = set()
    for template in TEMPLATES:
        text = template.read_text()
        keys |= set(re.findall(r"\b%s\.([a-z_0-9]+)" % name, text))
        keys |= set(re.findall(r'\b%s\["([a-z_0-9-]+)"\]' % name, text))
    return keys


def test_every_language_has_the_same_keys(modules):
    bokmal = modules["nb-NO"]
    for language, module in modules.items():
        assert set(module.T) == set(bokmal.T), language
        assert set(module.E) == set(bokmal.E), language
        assert all(value.strip() for value in list(module.T.values()) + list(module.E.values())), language


def test_every_key_in_use_exists(modules):
    texts = modules["nb-NO"]
    dynamic_t = (
        {"closed_" + slug for slug in STATUS_SLUGS.values()} | {"closed_unknown"}
        | {"group_" + group for group in GROUPS}
        | {"error_pid_" + p for p in ("length", "digits", "date", "check_digits")}
        | {"error_level_missing", "error_name_too_long"}
        | {"level_%d_label" % level for level in persons.LEVELS}
        | {"flash_logged_out", "flash_withdrawn"}
        | {"error_title_%d" % status for status, _ in list(errors.BY_STATUS.values()) + [errors.FALLBACK]}
        | {"error_title_400", "error_title_404", "error_title_405", "error_title_413", "error_title_500"}
    )
    assert used_keys("T") - set(texts.T) == set()
    assert dynamic_t - set(texts.T) == set()
    dynamic_e = ({text for _, text in errors.BY_STATUS.values()} | {errors.FALLBACK[1]}
                 | {text for text, _ in errors.REASONS.values()}
                 | {"csrf", "invalid_form", "page_not_found", "too_large", "portal_fault", "consent_unknown"})
    assert used_keys("E") - set(texts.E) == set()
    assert dynamic_e - set(texts.E) == set()
