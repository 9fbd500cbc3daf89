"""The development login, standing in for ID-porten.

A person picks a synthetic test person or types a national id and the
assurance level the login gives (3 or 4). The session (Flask's signed cookie)
then holds who they are; every hub call states it (hub.py). The page the
person asked for is kept in the session, never in a URL (it may be an
Altinn 2 query naming a person), and is only ever a path on this site.
"""

import functools
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from . import persons
from .errors import portal_error_page
from .security import is_local_path

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

# What a new login keeps of the session it replaces.
KEPT_ACROSS_LOGIN = ("lang", "next", "altinn_query")
NAME_MAX = 200  # the hub's limit for x-consent-user-name


@dataclass(frozen=True)
class User:
    pid: str
    name: str
    level: int
    signs_for: tuple = ()  # organisation numbers
    roles: tuple = ()  # (organisation number, (role codes…)) pairs

    @property
    def masked(self):
        return persons.masked(self.pid)

    @property
    def organisations(self):
        return [persons.ORGANISATIONS.get(n) or persons.Organisation(n, n) for n in self.signs_for]


def load_logged_in_user():
    """Sets g.user from the session (before every request, the CSRF check included)."""
    stored = session.get("user")
    g.user = None
    if isinstance(stored, dict):
        try:
            g.user = User(str(stored["pid"]), str(stored.get("name", "")), int(stored["level"]),
                          tuple(stored.get("signs_for", ())),
                          tuple((str(org), tuple(str(c) for c in codes)) for org, codes in stored.get("roles", {}).items()))
        except (KeyError, TypeError, ValueError):
            session.pop("user", None)


def remember_target(target=None):
    """Keeps the page to return to after a login (a path on this site)."""
    if target is None:
        target = request.full_path.rstrip("?") if request.method == "GET" else _page_of_form()
    if is_local_path(target):
        session["next"] = target


def _page_of_form():
    """For a form posted without a login: its path if that is also a page
    (/consent/<id>), else the page it came from, if on this site."""
    try:
        current_app.url_map.bind("localhost").match(request.path, method="GET")
        return request.path
    except HTTPException:
        referrer = urlsplit(request.referrer or "")
        return referrer.path if referrer.netloc == request.host else None


def take_target(default_endpoint="profile.consents"):
    target = session.pop("next", None)
    return target if is_local_path(target) else url_for(default_endpoint)


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            remember_target()
            return redirect(url_for("auth.login"), 303)
        return view(**kwargs)
    return wrapped


@bp.get("/login")
def login():
    return _login_page()


def _login_page(errors=None, typed=None, status=200):
    return render_template("auth/login.html", persons=persons.PERSONS, levels=persons.LEVELS,
                           errors=errors or {}, typed=typed or {"level": "4"}), status


@bp.post("/login")
def login_post():
    pid = "".join(request.form.get("pid", "").split())  # "150385 12363" is fine too
    level = request.form.get("level", "")
    name = " ".join(request.form.get("name", "").split())
    errors = {}
    problem = persons.national_id_problem(pid)
    if problem:
        errors["pid"] = "pid_" + problem
    if level not in {str(lv) for lv in persons.LEVELS}:
        errors["level"] = "level_missing"
    if len(name) > NAME_MAX:
        errors["name"] = "name_too_long"
    if errors:
        log.info("login refused: %s", ", ".join(sorted(errors.values())))
        return _login_page(errors, {"pid": pid, "level": level, "name": name}, 400)

    person = persons.person_with_pid(pid)
    if person and not name:
        name = person.name
    signs_for = [org.number for org in person.signs_for] if person else []
    roles = person.roles_by_organisation() if person else {}
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()  # a new person: nothing of the last one stays
    session.update(kept)
    session["user"] = {"pid": pid, "name": name, "level": int(level), "signs_for": signs_for, "roles": roles}
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    log.info("development login at level %s (%s)", level, "synthetic person" if person else "typed id")
    return redirect(take_target(), 303)


@bp.post("/login/again")
@login_required
def step_up():
    """Logs the same person in again at another level (ID-porten's step-up)."""
    level = request.form.get("level", "")
    if level not in {str(lv) for lv in persons.LEVELS}:
        return portal_error_page(400, "invalid_form", "level_missing")
    session["user"] = {**session["user"], "level": int(level)}
    log.info("development login again at level %s", level)
    return redirect(take_target(), 303)


@bp.post("/login/switch")
def switch_person():
    """Logs out but keeps the page to return to: log in as someone else."""
    session.pop("user", None)
    return redirect(url_for("auth.login"), 303)


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(["logged_out"])
    return redirect(url_for("auth.login"), 303)
