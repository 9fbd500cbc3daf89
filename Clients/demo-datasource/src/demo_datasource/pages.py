"""The human side of the API: a page describing it."""

from flask import Blueprint, current_app, render_template

from .resources import ENDPOINTS

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html", endpoints=ENDPOINTS, issuer=current_app.config["ISSUER"],
                           online=current_app.config["ONLINE_VERIFY"])
