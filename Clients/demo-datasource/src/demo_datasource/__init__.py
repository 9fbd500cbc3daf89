"""The demo data source: NAV's and Skatteetaten's consent-protected APIs.

    gunicorn -c python:demo_datasource.gunicorn_conf --certfile server.pem --keyfile server.key \
        --bind 127.0.0.1:5003 'demo_datasource:create_app()'

Configuration comes from DATASOURCE_* environment variables (README.md).
"""

import logging
import secrets
import time
from dataclasses import dataclass

from flask import Flask, jsonify, request
from flask.logging import default_handler

from consenthub.masking import mask_national_ids_in

from .hub import Hub
from .keys import SigningKeys

_REQUIRED = ("HUB_ADDRESS", "HUB_CA", "NAV_CERT", "NAV_KEY", "SKATT_CERT", "SKATT_KEY")


@dataclass
class State:
    """What a process keeps between requests."""

    hub: Hub
    keys: SigningKeys


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        ISSUER="https://consenthub.example",  # consentd's default --issuer
        ONLINE_VERIFY=True,
        HUB_TIMEOUT=5.0,
        HUB_CONNECT_TIMEOUT=5.0,
        CLOCK_SKEW_SECONDS=30,  # the hub's own leeway; tokens live two minutes
        JWKS_MAX_AGE_SECONDS=3600,
        JWKS_MIN_REFETCH_SECONDS=5,
        CLOCK=time.time,
    )
    app.config.from_prefixed_env("DATASOURCE")
    if test_config:
        app.config.update(test_config)
    for name in _REQUIRED + ("ISSUER", "SECRET_KEY"):
        # from_prefixed_env reads values as JSON where it can: a key of digits would be a number.
        if app.config.get(name) is not None:
            app.config[name] = str(app.config[name])
    missing = [name for name in _REQUIRED if not app.config.get(name)]
    if missing:
        raise RuntimeError("set " + ", ".join("DATASOURCE_" + name for name in missing))
    if not app.config.get("SECRET_KEY"):
        # Only keys the hash of a person in the log: without a configured
        # key the hashes just do not match across restarts.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.json.sort_keys = False
    # A line per answer (served or refused) is part of the job; Flask's
    # handler writes it to gunicorn's error stream, without passing gunicorn's
    # logger and its mask (gunicorn_conf.py): it masks national ids too.
    app.logger.setLevel(logging.INFO)
    mask_national_ids_in(app.logger, default_handler)

    hub = Hub.from_config(app.config)
    app.extensions["demo_datasource"] = State(
        hub=hub,
        keys=SigningKeys(hub.signing_keys, max_age=app.config["JWKS_MAX_AGE_SECONDS"],
                         min_refetch_interval=app.config["JWKS_MIN_REFETCH_SECONDS"], log=app.logger))

    from . import api, pages
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.after_request(_security_headers)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_here(error):
        response = jsonify({"error": "not_found" if error.code == 404 else "method_not_allowed",
                            "message": "No such endpoint; GET / describes the API."})
        response.status_code = error.code
        return response

    return app


def _security_headers(response):
    headers = response.headers
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'self'; img-src 'self'; "
                                              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    else:
        headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    if not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"  # the API's answers are personal data
    return response
