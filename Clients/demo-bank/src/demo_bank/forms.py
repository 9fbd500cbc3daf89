"""The application form: what the applicant sent, checked before anything
goes to the hub (which checks it all again)."""

import re
from dataclasses import dataclass

from .products import PRODUCTS

LANGUAGES = ("nb-NO", "nn-NO", "en")
FLOWS = ("api", "altinn2")
MAX_PURPOSE = 1000  # the hub's limit on DelegationContext, in characters
_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class Application:
    product: str
    national_id: str  # "" when not given
    language: str
    purpose: str
    flow: str


def read_application(form):
    """(Application, {}) or (None, {field: error code}); the codes are worded in the template."""
    errors = {}
    product = form.get("product", "")
    if product not in PRODUCTS:
        errors["product"] = "missing"
    national_id = re.sub(r"\s", "", form.get("pid", ""))
    if national_id and not valid_national_id(national_id):
        errors["pid"] = "invalid"
    language = form.get("lang", "")
    if language not in LANGUAGES:
        errors["lang"] = "invalid"
    purpose = form.get("purpose", "").strip()
    if not purpose:
        errors["purpose"] = "missing"
    elif len(purpose) > MAX_PURPOSE:
        errors["purpose"] = "too_long"
    flow = form.get("flow", "")
    if flow not in FLOWS:
        errors["flow"] = "invalid"
    if errors:
        return None, errors
    return Application(product, national_id, language, purpose, flow), {}


def valid_national_id(text):
    """11 digits whose two last are the mod-11 check digits of the others."""
    if not re.fullmatch(r"\d{11}", text):
        return False
    digits = [int(c) for c in text]
    for weights, position in ((_WEIGHTS_1, 9), (_WEIGHTS_2, 10)):
        check = 11 - sum(w * d for w, d in zip(weights, digits)) % 11
        if check == 11:
            check = 0
        if check == 10 or check != digits[position]:
            return False
    return True
