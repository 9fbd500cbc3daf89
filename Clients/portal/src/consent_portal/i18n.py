"""The page language: the hub's three (`nb-NO`, `nn-NO`, `en`), chosen with
`?lang=` on any page (and remembered in the session), else the browser's
Accept-Language, else Bokmål. The consent page speaks the request's own
language unless `?lang=` says otherwise (consent.py).

The portal's own texts are Jinja templates, one per language
(templates/texts/<language>.html): each sets a dict `T` of page texts and a
dict `E` of error sentences, which every template sees as `T` and `E`.
"""

from flask import current_app, g, request, session, url_for

LANGUAGES = ("nb-NO", "nn-NO", "en")
DEFAULT = "nb-NO"
# Each language's name in itself, for the switch.
NAMES = {"nb-NO": "Norsk (bokmål)", "nn-NO": "Norsk (nynorsk)", "en": "English"}

# GET pages whose URL can be rebuilt with another ?lang= (the Altinn 2 entry
# cannot: its query may name a person, and the portal never puts one in a URL).
SWITCHABLE = {"auth.login", "consent.show", "profile.consents"}
# Query parameters that a language link keeps.
KEPT_PARAMETERS = ("party",)


def asked_language():
    """The language named by `?lang=`, or None."""
    asked = request.args.get("lang", "")
    return asked if asked in LANGUAGES else None


def choose_language():
    """Sets g.lang for this request (before_request)."""
    asked = asked_language()
    if asked:
        session["lang"] = asked
    chosen = session.get("lang")
    if chosen not in LANGUAGES:
        chosen = _accept_language()
    g.lang = chosen


def _accept_language():
    for value, _ in request.accept_languages:
        value = value.lower()
        if value.startswith("nn"):
            return "nn-NO"
        if value.startswith(("nb", "no")):
            return "nb-NO"
        if value.startswith("en"):
            return "en"
    return DEFAULT


def texts(language):
    """The template module of one language's texts (`.T`, `.E`)."""
    return current_app.jinja_env.get_template("texts/%s.html" % language).module


def language_links():
    """[(code, name, url, current)] for the switch on this page, or [] where it makes no sense."""
    if request.method != "GET" or request.endpoint not in SWITCHABLE:
        return []
    kept = {k: request.args[k] for k in KEPT_PARAMETERS if k in request.args}
    return [(code, NAMES[code], url_for(request.endpoint, **(request.view_args or {}), **kept, lang=code),
             code == g.lang) for code in LANGUAGES]


def template_context():
    module = texts(g.lang)
    return {"T": module.T, "E": module.E, "ui_lang": g.lang, "language_links": language_links()}
