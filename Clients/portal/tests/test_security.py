"""Headers, escaping and the absence of script: what keeps the pages safe."""

import pathlib
import re

from markupsafe import Markup

from conftest import HAKON, leaks, unique_purpose
from consent_portal import filters
from consent_portal.security import is_local_path

PACKAGE = pathlib.Path(__import__("consent_portal").__file__).parent
TEMPLATES = sorted((PACKAGE / "templates").rglob("*.html"))


def test_security_headers_on_every_page(logged_in, bank):
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    for path in ("/login", "/profile/consents", "/consent/%s" % request_id, "/no/such/page"):
        response = logged_in.get(path)
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'", "no script from anywhere"
        assert "script-src" not in directives and "unsafe-inline" not in csp
        assert directives["frame-ancestors"] == "'none'"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store", path


def test_the_style_sheet_may_be_cached_and_has_a_visible_focus_style(client):
    response = client.get("/static/portal.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    css = response.get_data(as_text=True)
    assert re.search(r":focus-visible[^{]*\{[^}]*outline: 3px solid", css)


def test_no_script_no_inline_style_and_no_safe_filter_in_any_template():
    assert TEMPLATES
    for template in TEMPLATES:
        text = template.read_text()
        assert "<script" not in text.lower(), template
        assert not re.search(r"\son[a-z]+=", text), template
        assert "style=" not in text, template  # the CSP allows the style sheet only
        assert "|safe" not in text.replace(" ", ""), template
        assert "autoescape false" not in text, template


def test_every_page_extends_base_and_every_control_has_a_label():
    pages = [t for t in TEMPLATES if t.parent.name in ("auth", "consent", "profile", "errors")]
    for template in pages:
        text = template.read_text()
        assert text.startswith('{% extends "base.html" %}'), template
        for control in re.findall(r'<input type="(?:text|radio)" id="([^"]+)"', text):
            assert '<label for="%s"' % control in text, (template, control)


def test_text_blocks_escapes_and_makes_lists():
    html = filters.text_blocks('Intro <b>bold</b>\n- first & "one"\n- second\nAfter')
    assert isinstance(html, Markup)
    assert html == ('<p>Intro &lt;b&gt;bold&lt;/b&gt;</p>\n<ul><li>first &amp; &#34;one&#34;</li><li>second</li></ul>\n'
                    '<p>After</p>')
    assert filters.text_blocks("") == ""
    assert filters.text_blocks('"><img src=x onerror=alert(1)>') == '<p>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</p>'


def test_only_local_paths_are_targets():
    for good in ("/consent/abc", "/profile/consents?party=315612349", "/ui/AccessConsent/request"):
        assert is_local_path(good)
    for bad in ("//evil.example", "https://evil.example/", "/\\evil.example", "evil", "", None, "/x\r\nSet-Cookie: a",
                "javascript:alert(1)"):
        assert not is_local_path(bad)


class _Response:
    def __init__(self, location="", html=""):
        self.headers = {"Location": location} if location else {}
        self.mimetype = "text/html"
        self._html = html
        self.request = type("R", (), {"path": "/x"})()

    def get_data(self, as_text=True):
        return self._html


def test_the_audit_finds_a_national_id_where_it_must_not_be():
    """The audit every test runs (conftest.leaks) is not blind."""
    assert leaks([_Response(location="/login?pid=" + HAKON.pid)], "")
    assert leaks([_Response(html='<a href="/x?OfferedBy=%s">' % HAKON.pid)], "")
    assert leaks([_Response(html="<title>%s</title>" % HAKON.pid)], "")
    assert leaks([], "logged in " + HAKON.pid)
    assert not leaks([_Response(html='<input type="hidden" name="pid" value="%s">' % HAKON.pid)], "")
