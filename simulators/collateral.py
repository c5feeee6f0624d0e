"""Synthetic collaterals: the vehicle, property or machinery securing a loan."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from random import Random

from simulators import people
from simulators.loans import Loan, money
from simulators.places import City
from simulators.t24_xml import FieldValue

VEHICLES: tuple[tuple[str, str], ...] = (
    ("Toyota", "Vios"),
    ("Toyota", "Corolla Cross"),
    ("Honda", "City"),
    ("Honda", "CR-V"),
    ("Hyundai", "Accent"),
    ("Hyundai", "Tucson"),
    ("Kia", "Morning"),
    ("Kia", "Seltos"),
    ("Mazda", "CX-5"),
    ("Mitsubishi", "Xpander"),
    ("Ford", "Ranger"),
    ("VinFast", "VF 5"),
    ("VinFast", "VF 8"),
)
MACHINES: tuple[tuple[str, str, str], ...] = (
    ("Komatsu", "PC200", "Máy xúc"),
    ("Hitachi", "ZX210", "Máy xúc"),
    ("Juki", "DDL-9000", "Dây chuyền may"),
    ("Haas", "VF-2", "Máy phay CNC"),
    ("Hyundai", "HD270", "Xe tải ben"),
)
PROPERTY_KINDS: tuple[tuple[str, str], ...] = (
    ("APARTMENT", "Căn hộ chung cư"),
    ("HOUSE", "Nhà ở riêng lẻ"),
    ("LAND", "Quyền sử dụng đất"),
)
# VINs never use I, O or Q: they read as digits.
_VIN = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_PLATE_SERIES = "ABCDEFGHK"


def licence_plate(rng: Random, where: City) -> str:
    """A car plate like 30A-123.45: province code, series letter, five digits."""
    digits = f"{rng.randrange(100_000):05d}"
    return f"{rng.choice(where.plate_codes)}{rng.choice(_PLATE_SERIES)}-{digits[:3]}.{digits[3:]}"


def make_collateral(rng: Random, loan: Loan, kind: str, where: City) -> dict[str, FieldValue]:
    """The collateral's canonical fields; worth more than the loan (loan-to-value 50-80%)."""
    ltv = Decimal(rng.randint(50, 80)) / 100
    base: dict[str, FieldValue] = {
        "cif": loan.cif,
        "type": kind,
        "value": money(loan.original / ltv, loan.currency),
        "valuation_date": loan.disbursed - timedelta(days=rng.randint(5, 30)),
    }
    year = loan.disbursed.year - rng.randint(0, 4)
    if kind == "VEHICLE":
        make, model = rng.choice(VEHICLES)
        return base | {
            "description": f"Ô tô {make} {model} {year}",
            "make": make,
            "model": model,
            "year": year,
            "vin": "".join(rng.choice(_VIN) for _ in range(17)),
            "license_plate": licence_plate(rng, where),
        }
    if kind == "MACHINERY":
        make, model, what = rng.choice(MACHINES)
        return base | {
            "description": f"{what} {make} {model}",
            "make": make,
            "model": model,
            "year": year,
        }
    code, label = rng.choice(PROPERTY_KINDS)
    site = people.address(rng, "OTHER", where)
    size = Decimal(rng.randint(450, 2500)) / 10
    return base | {
        "description": f"{label} {size} m² tại {site.district}, {site.city}",
        "property_type": code,
        "address": site.one_line(),
        "size": size,
        "title_number": f"{rng.choice(('CS', 'CT', 'BĐ', 'DA'))} {rng.randrange(10**6):06d}",
    }
