"""Made-up data, the same every time for the same consent and question.

Nothing here is about a real person: the numbers come from a random
generator seeded with the consent id, and every answer says it is fake.
"""

import datetime
import hashlib
import random

from .resources import parse_date

NOTICE = "Syntetiske demodata: oppdiktet, ikke opplysninger om en virkelig person."
_EMPLOYERS = ("DEMO ARBEIDSGIVER AS", "FIKTIV KOMMUNE", "EKSEMPEL HELSE AS", "PRØVE BYGG OG ANLEGG AS")
_MAX_MONTHS = 36  # a long period lists its last three years


def data_for(resource, consent_id, asked):
    """The data of `resource` for the asked parameters, as JSON-ready values."""
    generator = random.Random(hashlib.sha256(("%s/%s" % (consent_id, resource)).encode()).digest())
    return _BY_RESOURCE[resource](generator, asked)


def _disability_benefits(generator, asked):
    """5252_1: decisions on work assessment allowance (AAP) and disability
    benefit (uføretrygd), and earned income per month."""
    first, last = parse_date("fraOgMed", asked["fraOgMed"]), parse_date("tilOgMed", asked["tilOgMed"])
    middle = first + (last - first) / 2
    decisions = [
        {"ytelse": "Arbeidsavklaringspenger", "grad": 100, "fraOgMed": _date(first),
         "tilOgMed": _date(middle), "opphoersaarsak": "Overgang til uføretrygd"},
        {"ytelse": "Uføretrygd", "grad": generator.choice((40, 50, 60, 100)), "fraOgMed": _date(middle + datetime.timedelta(days=1)),
         "tilOgMed": None, "opphoersaarsak": None},
    ]
    income = [{"maaned": month, "arbeidsinntekt": generator.randrange(0, 15_000, 100)} for month in _months(first, last)]
    return {"periode": {"fraOgMed": asked["fraOgMed"], "tilOgMed": asked["tilOgMed"]}, "vedtak": decisions,
            "arbeidsinntektPerMaaned": income}


def _income_and_tax_base(generator, asked):
    """4629_2: the summarised tax base for one income year."""
    salary = generator.randrange(420_000, 950_000, 1_000)
    deductions = generator.randrange(30_000, 120_000, 1_000)
    return {"inntektsaar": int(asked["inntektsaar"]), "loennsinntekt": salary, "fradrag": deductions,
            "alminneligInntekt": salary - deductions, "nettoformue": generator.randrange(-2_000_000, 3_000_000, 10_000)}


def _employer_reports(generator, asked):
    """4630_1: income employers reported (a-ordningen), per month."""
    first, last = parse_date("fraOgMed", asked["fraOgMed"]), parse_date("tilOgMed", asked["tilOgMed"])
    employer = generator.choice(_EMPLOYERS)
    monthly = generator.randrange(35_000, 80_000, 500)
    reports = [{"maaned": month, "opplysningspliktig": employer, "beloep": monthly + generator.randrange(-2_000, 2_000, 100)}
               for month in _months(first, last)]
    return {"periode": {"fraOgMed": asked["fraOgMed"], "tilOgMed": asked["tilOgMed"]}, "inntekter": reports}


def _months(first, last):
    """The months from `first` to `last` as "yyyy-mm", at most the last _MAX_MONTHS."""
    months = []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month) and len(months) < _MAX_MONTHS:
        months.append("%04d-%02d" % (year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _date(day):
    return day.strftime("%d.%m.%Y")


_BY_RESOURCE = {"5252_1": _disability_benefits, "4629_2": _income_and_tax_base, "4630_1": _employer_reports}
