"""The consent-protected endpoints: which agency serves which of its
resources at which path, the query parameters each takes, and how an asked
parameter must be covered by the consent (as the hub's online check does,
docs/DOMAIN.md §8: a date of the `fraOgMed`–`tilOgMed` range lies inside the
consented period; any other value equals the consented one).

A one-time consent ends at its first logged use, however many resources it
covers (docs/DOMAIN.md §9): a bank that needs both of Skatteetaten's
resources for one loan application must fetch them in one call, which is
what `loan-application` is for.
"""

import datetime
import re
from dataclasses import dataclass

from .refusals import Refusal

DATE_RANGE = ("fraOgMed", "tilOgMed")
_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Endpoint:
    name: str  # the Flask endpoint name
    path: str
    agency: str  # whose certificate talks to the hub: "nav" or "skatt"
    source_name: str
    resources: dict  # resource id -> the query parameters that describe what is asked of it

    @property
    def parameters(self):
        return tuple(dict.fromkeys(p for params in self.resources.values() for p in params))


ENDPOINTS = (
    Endpoint("disability_benefits", "/nav/api/v1/disability-benefits", "nav", "NAV",
             {"5252_1": ("fraOgMed", "tilOgMed")}),
    Endpoint("income", "/skatteetaten/api/v1/income", "skatt", "Skatteetaten",
             {"4629_2": ("inntektsaar",)}),
    Endpoint("employer_reports", "/skatteetaten/api/v1/employer-reports", "skatt", "Skatteetaten",
             {"4630_1": ("fraOgMed", "tilOgMed")}),
    Endpoint("loan_application", "/skatteetaten/api/v1/loan-application", "skatt", "Skatteetaten",
             {"4629_2": ("inntektsaar",), "4630_1": ("fraOgMed", "tilOgMed")}),
)


def parse_query(endpoint, args):
    """The endpoint's parameters from the query, checked; raises Refusal (400)."""
    unknown = sorted(set(args) - set(endpoint.parameters))
    if unknown:
        raise Refusal("parameter_unknown", "Unknown query parameter %s; this endpoint takes %s."
                      % (unknown[0][:40], ", ".join(endpoint.parameters)))
    asked = {}
    for name in endpoint.parameters:
        values = args.getlist(name)
        if not values or not values[0]:
            raise Refusal("parameter_missing", "The query parameter %s is required." % name)
        if len(values) > 1:
            raise Refusal("parameter_malformed", "The query parameter %s is given more than once." % name)
        _parse(name, values[0])
        asked[name] = values[0]
    if "fraOgMed" in asked and parse_date("fraOgMed", asked["fraOgMed"]) > parse_date("tilOgMed", asked["tilOgMed"]):
        raise Refusal("parameter_malformed", "fraOgMed must not be after tilOgMed.")
    return asked


def require_covered(endpoint, consent, asked):
    """Raises Refusal (403) unless the consent covers every resource of the
    endpoint with the asked parameters."""
    for resource, parameters in endpoint.resources.items():
        if resource not in consent.rights:
            raise Refusal("wrong_resource", "The consent does not cover resource %s, which this endpoint serves (it covers %s)."
                          % (resource, ", ".join(sorted(consent.rights))))
        consented = consent.rights[resource]
        for name in parameters:
            if name in DATE_RANGE:
                covered = _within(asked[name], consented.get("fraOgMed"), consented.get("tilOgMed"))
            else:
                covered = asked[name] == consented.get(name)
            if not covered:
                raise Refusal("period_outside_consent", "%s=%s lies outside what the consent to %s covers (%s)."
                              % (name, asked[name], resource, _described(consented)))


def parse_date(name, text):
    try:
        return datetime.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise Refusal("parameter_malformed", "%s must be a date written dd.mm.yyyy." % name) from None


def _parse(name, text):
    if name in DATE_RANGE:
        if not _DATE.match(text):
            raise Refusal("parameter_malformed", "%s must be a date written dd.mm.yyyy." % name)
        parse_date(name, text)
    elif not _YEAR.match(text):
        raise Refusal("parameter_malformed", "%s must be a year written yyyy." % name)


def _within(text, first, last):
    if first is None or last is None:
        return False
    try:
        low, high = (datetime.datetime.strptime(d, "%d.%m.%Y").date() for d in (first, last))
    except ValueError:
        return False
    return low <= parse_date("", text) <= high


def _described(metadata):
    return ", ".join("%s=%s" % item for item in sorted(metadata.items())) or "no metadata"
