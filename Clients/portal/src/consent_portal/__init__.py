"""ConsentHub's citizen portal: the development login, the consent page, the
Altinn 2 redirect flow and My consents, in front of consentd (role `portal`).

    gunicorn -c python:consent_portal.gunicorn_conf --certfile web.pem --keyfile web.key \\
        --bind 127.0.0.1:8443 'consent_portal:create_app()'

Configuration comes from PORTAL_* environment variables (README.md).
"""

import datetime
import os

from flask import Flask, redirect, url_for
from flask.logging import default_handler
from flask_wtf.csrf import CSRFProtect

from consenthub.masking import mask_national_ids_in

from . import auth, consent, errors, filters, i18n, profile
from .hub import Hub
from .security import add_security_headers

REQUIRED = ("SECRET_KEY", "HUB_ADDRESS", "HUB_CA", "HUB_CERT", "HUB_KEY")

csrf = CSRFProtect()


def create_app(test_config=None):
    """The application. Without `test_config` its settings come from the
    environment: PORTAL_HUB_ADDRESS, PORTAL_HUB_CA, PORTAL_HUB_CERT,
    PORTAL_HUB_KEY, PORTAL_SECRET_KEY (required), PORTAL_HUB_TIMEOUT,
    PORTAL_HUB_CONNECT_TIMEOUT (seconds), PORTAL_LOG_LEVEL (INFO)."""
    app = Flask(__name__)
    app.config.from_mapping(
        SESSION_COOKIE_NAME="portal_session",  # the demo bank runs on this host too, and cookies ignore ports
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(minutes=30),
        HUB_TIMEOUT=10.0,
        HUB_CONNECT_TIMEOUT=5.0,
        LOG_LEVEL="INFO",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session (30 minutes idle)
    )
    if test_config is None:
        app.config.from_prefixed_env("PORTAL")
    else:
        app.config.from_mapping(test_config)
    missing = [key for key in REQUIRED if not app.config.get(key)]
    if missing:
        raise RuntimeError("consent_portal: set %s (see Clients/portal/README.md)"
                           % ", ".join("PORTAL_" + key for key in missing))
    _check_hub_settings(app.config)
    # from_prefixed_env reads values as JSON where they parse: a key of digits would be a number.
    app.secret_key = str(app.config["SECRET_KEY"])
    # The portal's modules log under the app's logger ("consent_portal"), whose
    # handler Flask writes to wsgi.errors: gunicorn's error log, but not through
    # gunicorn's logger and its mask (gunicorn_conf.py). So that handler masks
    # national ids too, and so does the app's logger, for the records Flask
    # makes on it ("Exception on /consent/<…>").
    app.logger.setLevel(str(app.config["LOG_LEVEL"]).upper())
    mask_national_ids_in(app.logger, default_handler)

    app.extensions["consent_hub"] = Hub(
        str(app.config["HUB_ADDRESS"]), str(app.config["HUB_CA"]), str(app.config["HUB_CERT"]),
        str(app.config["HUB_KEY"]), timeout=float(app.config["HUB_TIMEOUT"]),
        connect_timeout=float(app.config["HUB_CONNECT_TIMEOUT"]))

    # Language and person first: the CSRF check's error page needs both.
    app.before_request(i18n.choose_language)
    app.before_request(auth.load_logged_in_user)
    csrf.init_app(app)
    app.jinja_env.autoescape = True  # every template, whatever its file name (texts/*.html included)
    app.jinja_env.filters["text_blocks"] = filters.text_blocks
    app.jinja_env.filters["orgno"] = filters.organisation_number
    app.context_processor(i18n.template_context)
    app.after_request(add_security_headers)

    app.register_blueprint(errors.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(consent.bp)
    app.register_blueprint(profile.bp)
    app.add_url_rule("/", "index", lambda: redirect(url_for("profile.consents"), 303))
    return app


def _check_hub_settings(config):
    """A mistake in the settings stops the start, rather than showing every
    visitor an error page later."""
    host, _, port = str(config["HUB_ADDRESS"]).rpartition(":")
    if not host or not port.isdigit():
        raise RuntimeError("consent_portal: PORTAL_HUB_ADDRESS must be HOST:PORT, not %r" % config["HUB_ADDRESS"])
    for key in ("HUB_CA", "HUB_CERT", "HUB_KEY"):
        if not os.path.isfile(str(config[key])):
            raise RuntimeError("consent_portal: PORTAL_%s: no such file: %s" % (key, config[key]))
