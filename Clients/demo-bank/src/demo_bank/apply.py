"""The application page: the form, and starting an application in either
flow — the API flow registers the request at the hub first; the Altinn 2
flow hands the whole request to the portal in the URL (seed 004)."""

import datetime
import secrets

from flask import Blueprint, current_app, redirect, render_template, request

from . import altinn2, applications, forms
from .hub import HubRefusal
from .products import PRODUCTS

bp = Blueprint("apply", __name__)

DAY = datetime.timedelta(days=1)


@bp.get("/")
def index():
    return render_template("index.html", form={}, errors={})


@bp.post("/apply")
def apply():
    application, errors = forms.read_application(request.form)
    if errors:
        return render_template("index.html", form=request.form, errors=errors), 400
    config = current_app.config
    product = PRODUCTS[application.product]
    now = datetime.datetime.fromtimestamp(config["CLOCK"](), datetime.timezone.utc)
    resources = product.resources(now.astimezone(altinn2.OSLO).date())
    valid_to = now + product.valid_days * DAY
    redirect_url = config["PUBLIC_URL"].rstrip("/") + "/callback"

    if application.flow == "altinn2":
        application_id = applications.start_altinn2(product.key)
        url = altinn2.consent_url(config["PORTAL_URL"], resources, config["ORG_NUMBER"],
                                  redirect_url + "?application=" + application_id, valid_to,
                                  application.language, application.purpose, application.national_id)
        return redirect(url, 303)

    hub = current_app.extensions["demo_bank"]
    try:
        created = hub.create_request(resources, application.national_id, redirect_url, int(valid_to.timestamp() * 1000),
                                     application.language, application.purpose, idempotency_key=secrets.token_urlsafe(16))
    except HubRefusal as refusal:
        return render_template("index.html", form=request.form, errors={}, refusal=refusal), 400
    applications.start_api(created.id, product.key)
    return redirect(config["PORTAL_URL"].rstrip("/") + "/consent/" + created.id, 303)
