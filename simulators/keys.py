"""Every synthetic key is derived from the customer's index, so populations never overlap.

Customer n owns CIF{n:09d}, its loans AA{n:09d}{slot:02d}, its collaterals COL{n:09d}{slot:02d},
its card W4C{n:09d}, contact and reference ids n*10+k. Two populations with disjoint index
ranges (`--start`) therefore have disjoint keys in every table, and a range of customers is a
key range in every table, which lets the change simulator work on one population only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Indices from here on are opened by the change simulator ("new customer walks in"), so a
# later `generate --start` below it never collides with them.
CHURN_FIRST_INDEX = 900_000_000
MAX_INDEX = 999_999_999
# Loan slots: the generator uses 0..MAX_LOANS-1, the change simulator NEW_LOAN_SLOTS, and
# rejected applications REJECTED_SLOTS (they have no loan).
NEW_LOAN_SLOTS = range(10, 90)
REJECTED_SLOTS = range(90, 100)
# Ids that are bigints: n * PER_CUSTOMER + k.
PER_CUSTOMER = 10

_CIF = re.compile(r"^CIF([0-9]{9})$")
_ACCOUNT = re.compile(r"^AA([0-9]{9})([0-9]{2})$")


def cif(n: int) -> str:
    return f"CIF{n:09d}"


def index_of_cif(value: str) -> int | None:
    """Return the customer index a CIF was made from, or None for a foreign CIF."""
    match = _CIF.match(value)
    return int(match.group(1)) if match else None


def account(n: int, slot: int) -> str:
    return f"AA{n:09d}{slot:02d}"


def split_account(value: str) -> tuple[int, int] | None:
    """Return (customer index, slot) of a synthetic account number."""
    match = _ACCOUNT.match(value)
    return (int(match.group(1)), int(match.group(2))) if match else None


def bill(account_number: str, due: date) -> str:
    return f"{account_number}-{due:%Y%m%d}"


def bill_range(account_number: str) -> tuple[str, str] | None:
    """Half-open RECID bounds holding exactly one synthetic account's bills.

    The bounds are the account and the next account number: letters and digits only, so
    the range is the same under the C collation and under locales that ignore "-".
    """
    parts = split_account(account_number)
    if parts is None:
        return None
    n, slot = parts
    following = account(n, slot + 1) if slot < 99 else account(n + 1, 0)
    return account_number, following


def collateral(n: int, slot: int) -> str:
    return f"COL{n:09d}{slot:02d}"


def contract(n: int) -> str:
    return f"W4C{n:09d}"


def application(n: int, slot: int) -> str:
    return f"APP{n:09d}{slot:02d}"


def ref_cif(n: int, k: int) -> str:
    return f"REF{n:09d}{k}"


def small_id(n: int, k: int) -> int:
    """Id of the k-th contact or reference of customer n."""
    return n * PER_CUSTOMER + k


@dataclass(frozen=True)
class IndexRange:
    """Customers lo <= n < hi, and the key range each table holds for them."""

    lo: int
    hi: int

    def __post_init__(self) -> None:
        if not 0 <= self.lo < self.hi <= MAX_INDEX + 1:
            raise ValueError(f"index range [{self.lo}, {self.hi}) is empty or out of bounds")

    def text(self, prefix: str) -> tuple[str, str]:
        """Half-open [low, high) bounds of text keys that start with prefix + 9 digits."""
        if self.hi > MAX_INDEX:
            # f"{hi:09d}" would have 10 digits and sort before "9…": past every 9-digit key
            # instead ("~" sorts after the digits).
            return f"{prefix}{self.lo:09d}", f"{prefix}{MAX_INDEX:09d}~"
        return f"{prefix}{self.lo:09d}", f"{prefix}{self.hi:09d}"

    def ids(self) -> tuple[int, int]:
        """Half-open bounds of the bigint ids of these customers."""
        return self.lo * PER_CUSTOMER, self.hi * PER_CUSTOMER


EVERYTHING = IndexRange(0, MAX_INDEX + 1)
