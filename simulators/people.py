"""Synthetic Vietnamese people and companies: names, ids, phones, addresses, e-mails."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from random import Random

from simulators import names
from simulators.places import CITIES, STREETS, City

_SURNAMES = [s for s, _ in names.SURNAMES]
_SURNAME_CUM = list(accumulate(w for _, w in names.SURNAMES))
_CITY_CUM = list(accumulate(c.weight for c in CITIES))
# Đ/đ is a letter of its own, not D plus a combining mark, so NFD does not strip it.
_D = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_fold(text: str) -> str:
    """Drop Vietnamese diacritics: "Nguyễn Văn Đạt" -> "Nguyen Van Dat"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Address:
    type: str
    line1: str
    line2: str
    district: str
    city: str
    country: str = "VN"

    def one_line(self) -> str:
        return f"{self.line1}, {self.line2}, {self.district}, {self.city}"


@dataclass(frozen=True)
class Person:
    name: str
    gender: str
    birth: date
    national_id: str
    city: City

    @property
    def short_name(self) -> str:
        """T24's SHORT.NAME: upper-case ASCII, what a teller types."""
        return ascii_fold(self.name).upper()


def city(rng: Random) -> City:
    return rng.choices(CITIES, cum_weights=_CITY_CUM)[0]


def national_id(home: City, gender: str, birth: date, serial: int) -> str:
    """A 12-digit CCCD: birth province, gender and century, year, then a serial.

    The serial is a permutation of `serial` modulo 10**6 (7919 is prime to 10), so ids are
    unique within any million consecutive people.
    """
    century = (birth.year // 100 - 19) * 2 + (1 if gender == "FEMALE" else 0)
    return f"{home.cccd_code}{century}{birth.year % 100:02d}{serial * 7919 % 1_000_000:06d}"


def person(rng: Random, as_of: date, serial: int, *, min_age: int = 20) -> Person:
    gender = "FEMALE" if rng.random() < 0.48 else "MALE"
    surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]
    if gender == "MALE":
        given = f"{rng.choice(names.MALE_MIDDLE)} {rng.choice(names.MALE_GIVEN)}"
    elif rng.random() < 0.25:
        given = f"Thị {rng.choice(names.FEMALE_SECOND)} {rng.choice(names.FEMALE_GIVEN)}"
    else:
        given = f"{rng.choice(names.FEMALE_MIDDLE)} {rng.choice(names.FEMALE_GIVEN)}"
    age_days = rng.randint(min_age * 365, 70 * 365)
    birth = date.fromordinal(as_of.toordinal() - age_days)
    home = city(rng)
    return Person(
        f"{surname} {given}", gender, birth, national_id(home, gender, birth, serial), home
    )


def company(rng: Random) -> tuple[str, str]:
    """Return (registered name, brand): ("Công ty TNHH Thương mại Đại Phát", "Đại Phát")."""
    brand = rng.choice(names.COMPANY_BRANDS)
    form, trade = rng.choice(names.COMPANY_FORMS), rng.choice(names.COMPANY_TRADES)
    return f"{form} {trade} {brand}", brand


def mobile(rng: Random) -> str:
    """A 10-digit mobile number; about one in ten is written in +84 form."""
    number = f"{rng.choice(names.MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
    return "+84" + number[1:] if rng.random() < 0.1 else number


def landline(rng: Random, where: City) -> str:
    """A landline with its area code, 11 digits in all."""
    digits = 11 - len(where.area_code)
    return f"{where.area_code}{rng.randrange(2 * 10 ** (digits - 1), 10**digits)}"


def address(rng: Random, kind: str, where: City) -> Address:
    district, wards = rng.choice(where.districts)
    line1 = f"{rng.randint(1, 350)} {rng.choice(STREETS)}"
    if rng.random() < 0.2:
        line1 = f"Số {rng.randint(1, 60)} ngõ {rng.randint(2, 200)} {rng.choice(STREETS)}"
    return Address(kind, line1, rng.choice(wards), district, where.name)


def _local_part(rng: Random, who: Person) -> str:
    parts = ascii_fold(who.name).lower().split()
    style = rng.randrange(3)
    if style == 0:
        return f"{parts[-1]}.{parts[0]}{who.birth.year % 100:02d}"
    if style == 1:
        return f"{parts[-1]}{''.join(p[0] for p in parts[:-1])}{rng.randint(1, 999)}"
    return f"{''.join(parts)}{rng.randint(1, 99)}"


def personal_email(rng: Random, who: Person) -> str:
    return f"{_local_part(rng, who)}@{rng.choice(names.PERSONAL_MAIL)}"


def work_email(rng: Random, who: Person) -> str:
    parts = ascii_fold(who.name).lower().split()
    return f"{parts[-1]}.{parts[0]}@{rng.choice(names.WORK_MAIL)}"
