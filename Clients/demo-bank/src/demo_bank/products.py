"""What BANKEN AS sells, and the data each application needs.

- A mortgage (boliglån, seed 000): income from Skatteetaten — the tax base
  of last year (4629_2) and what employers reported for the last three whole
  months (4630_1). Both are one-time consents (engangssamtykke): the bank
  fetches them once, together, to assess the application.
- A disability insurance (uføreforsikring, seed 003): NAV's information on
  work assessment allowance and disability benefit (5252_1) from three years
  back until today, a consent valid for a year so the insurer can fetch it
  again while the claim runs ("gjenbruk av samtykke").
"""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    key: str  # the form's value
    valid_days: int  # how long the consent is asked for
    source_name: str  # the agency that holds the data
    datasource_path: str  # the data source's endpoint for this application's data

    def resources(self, today):
        """{resource id: {metadata key: value}} asked for on `today`."""
        return _RESOURCES[self.key](today)


def _mortgage(today):
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    first = last_month_end.replace(day=1)
    for _ in range(2):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return {"4629_2": {"inntektsaar": str(today.year - 1)},
            "4630_1": {"fraOgMed": _date(first), "tilOgMed": _date(last_month_end)}}


def _insurance(today):
    return {"5252_1": {"fraOgMed": _date(datetime.date(today.year - 3, 1, 1)), "tilOgMed": _date(today)}}


def _date(day):
    return day.strftime("%d.%m.%Y")


_RESOURCES = {"mortgage": _mortgage, "insurance": _insurance}

PRODUCTS = {
    "mortgage": Product("mortgage", valid_days=14, source_name="Skatteetaten", datasource_path="/skatteetaten/api/v1/loan-application"),
    "insurance": Product("insurance", valid_days=365, source_name="NAV", datasource_path="/nav/api/v1/disability-benefits"),
}
