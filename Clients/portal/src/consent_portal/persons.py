"""Synthetic test persons for the development login, and the national id rules.

Nobody here is a real person. Apart from the project's demo user (the one
`consentctl dev-certs` and the examples use), the numbers are synthetic test
numbers as Skatteetaten's Tenor writes them: month + 80, so they can never
belong to anyone, with correct mod-11 check digits (the hub accepts them:
Sources/ConsentCore/Identifiers/NationalIdentityNumber.swift). The
organisation is made up too, with a valid check digit.
"""

from dataclasses import dataclass

LEVELS = (3, 4)  # ID-porten's "betydelig" (substantial) and "høyt" (high)


@dataclass(frozen=True)
class Organisation:
    number: str
    name: str


@dataclass(frozen=True)
class Person:
    pid: str
    name: str
    level: int
    signs_for: tuple = ()  # Organisations
    # The roles held in those organisations, as Enhetsregisteret's codes (a
    # real portal looks them up in Altinn's authorisation register): pairs of
    # (organisation number, (codes…)). The hub checks them against a
    # resource's organisation authority (x-consent-user-org-roles).
    roles: tuple = ()

    def roles_by_organisation(self):
        return {number: list(codes) for number, codes in self.roles}


FJELLHEIM_REGNSKAP = Organisation("315612349", "FJELLHEIM REGNSKAP AS")

PERSONS = (
    Person("15038512363", "HÅKON TRANA", 4),  # the project's demo user (seed 002's name)
    # The general manager, with the signing right.
    Person("02877940090", "INGRID FJELLHEIM", 4, (FJELLHEIM_REGNSKAP,), (("315612349", ("DAGL", "SIGN")),)),
    Person("21919440063", "OLA DALEN", 3),  # the one who logs in at level 3 only
    # A board member: may act for the organisation, but has no role a
    # resource asking for a general manager or chair accepts.
    Person("11846140087", "AMIR HAUGEN", 4, (FJELLHEIM_REGNSKAP,), (("315612349", ("MEDL",)),)),
)

ORGANISATIONS = {org.number: org for person in PERSONS for org in person.signs_for}


def person_with_pid(pid):
    return next((p for p in PERSONS if p.pid == pid), None)


_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def national_id_problem(text):
    """Why `text` is not a valid national identity number, or None if it is.

    The same rules as the hub's: eleven digits, a plausible day and month
    (D-numbers: day + 40; synthetic numbers: month + 40 or + 80) and two mod-11
    check digits. The answer is a key for the texts: `length`, `digits`,
    `date`, `check_digits`.
    """
    if len(text) != 11:
        return "length"
    if not (text.isascii() and text.isdigit()):
        return "digits"
    digits = [int(c) for c in text]
    day, month = digits[0] * 10 + digits[1], digits[2] * 10 + digits[3]
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:
        month -= 40
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return "date"
    k1 = (11 - sum(d * w for d, w in zip(digits, _WEIGHTS_1)) % 11) % 11
    k2 = (11 - sum(d * w for d, w in zip(digits[:9] + [k1], _WEIGHTS_2)) % 11) % 11
    if k1 == 10 or k2 == 10 or (k1, k2) != (digits[9], digits[10]):
        return "check_digits"
    return None


def masked(pid):
    """The birth-date part only, as the hub logs ids: `150385*****`."""
    return pid[:6] + "*****"
