"""The demo bank BANKEN AS: a loan and insurance application page that asks
for consent through ConsentHub and fetches the data from the data source.

    gunicorn -c python:demo_bank.gunicorn_conf --certfile server.pem --keyfile server.key \
        --bind 127.0.0.1:5002 'demo_bank:create_app()'

Configuration comes from BANK_* environment variables (README.md).
"""

import datetime
import time
import urllib.parse

from flask import Flask, render_template, request
from flask.logging import default_handler
from flask_wtf.csrf import CSRFError, CSRFProtect

from consenthub.masking import mask_national_ids_in

from .altinn2 import OSLO
from .hub import Hub, HubUnavailable

_REQUIRED = ("HUB_ADDRESS", "HUB_CA", "HUB_CERT", "HUB_KEY", "SECRET_KEY", "PUBLIC_URL", "PORTAL_URL", "DATASOURCE_URL")

csrf = CSRFProtect()


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        ORG_NUMBER="910203045",  # BANKEN AS, as its certificate says
        HUB_TIMEOUT=5.0,
        HUB_CONNECT_TIMEOUT=5.0,
        DATASOURCE_TIMEOUT=10.0,
        CLOCK=time.time,
        # The portal runs on the same host (another port), and cookies do not
        # care about ports: the name must not collide with the portal's.
        SESSION_COOKIE_NAME="bank_session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config.from_prefixed_env("BANK")
    if test_config:
        app.config.update(test_config)
    for name in _REQUIRED + ("ORG_NUMBER",):
        # from_prefixed_env reads values as JSON where it can: 910203045 would be a number.
        if app.config.get(name) is not None:
            app.config[name] = str(app.config[name])
    missing = [name for name in _REQUIRED if not app.config.get(name)]
    if missing:
        raise RuntimeError("set " + ", ".join("BANK_" + name for name in missing))

    app.json.sort_keys = False  # claims in the hub's order
    # Flask's handler writes to gunicorn's error stream without passing
    # gunicorn's logger and its mask (gunicorn_conf.py): it masks national ids too.
    mask_national_ids_in(app.logger, default_handler)
    app.extensions["demo_bank"] = Hub.from_config(app.config)
    csrf.init_app(app)

    from . import answers, apply
    app.register_blueprint(apply.bp)
    app.register_blueprint(answers.bp)

    app.jinja_env.filters["oslo_time"] = _oslo_time
    app.jinja_env.filters["oslo_time_ms"] = lambda ms: _oslo_time(ms / 1000)
    portal = urllib.parse.urlsplit(app.config["PORTAL_URL"])
    portal_origin = "%s://%s" % (portal.scheme, portal.netloc)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        # No script at all; forms go to the bank itself, and the answer to
        # the application form redirects to the portal (form-action covers
        # redirects after a submission).
        headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                                              "form-action 'self' %s; frame-ancestors 'none'" % portal_origin)
        headers["X-Content-Type-Options"] = "nosniff"
        # Same-origin only: Flask-WTF checks the Referer of an HTTPS form
        # post, and nothing (such as /callback's code) leaks to other sites.
        headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HubUnavailable)
    def hub_unavailable(error):
        app.logger.warning("consent hub unavailable: %s", error)
        return render_template("error.html", reason="hub_unavailable"), 503

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_template("error.html", reason="csrf_failed"), 400

    # The bank's own page, in Norwegian, rather than the framework's English
    # one: an unknown address, a wrong method, a form beyond Werkzeug's limits
    # (a field over 500 kB, such as an enormous purpose).
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def not_served(error):
        reason = {404: "page_not_found", 405: "method_not_allowed", 413: "request_too_large"}[error.code]
        return render_template("error.html", reason=reason), error.code

    return app


def _oslo_time(seconds):
    """Epoch seconds as Norwegian time, dd.mm.yyyy kl. HH:MM:SS."""
    try:
        moment = datetime.datetime.fromtimestamp(float(seconds), OSLO)
    except (TypeError, ValueError, OverflowError, OSError):
        return str(seconds)
    return moment.strftime("%d.%m.%Y kl. %H:%M:%S")
