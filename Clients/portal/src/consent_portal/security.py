"""Headers on every response, and the one rule for where the portal may send a browser back to."""

from urllib.parse import urlsplit

from flask import request

# No script at all, styles from our own file only, not framed by anyone
# (the consent page must not be clickjacked). Forms post to this site, but the
# answer to a consent redirects to the consumer, and browsers apply
# form-action to that redirect too: `https:` lets it go to any https site the
# hub has checked (the consumer's registered domain) and nowhere else.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self' https:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: Flask-WTF's CSRF check on HTTPS wants a
    # same-site Referer; other sites (the consumer) get none, so the address of
    # a page never leaks to them.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Every page but the style sheet is about a person: keep it out of caches.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def is_local_path(target):
    """Whether `target` is a path on this site ("/consent/…"), never another
    site ("//evil.example", "https://…", "/\\evil.example")."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
