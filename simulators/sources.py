"""The simulated source systems: one PostgreSQL database each, captured by Debezium."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


@dataclass(frozen=True)
class Source:
    name: str  # lower case: database, connector and cdc.<name>.* topic names
    system: str  # how entities name their source_system
    tables: tuple[str, ...]  # captured tables, as the database spells them

    @property
    def database(self) -> str:
        return self.name

    @property
    def publication(self) -> str:
        return f"crm_{self.name}"

    @property
    def schema_sql(self) -> str:
        return (SCHEMA_DIR / f"{self.name}.sql").read_text(encoding="utf-8")


T24 = Source(
    "t24",
    "T24",
    ("FBNK_CUSTOMER", "FBNK_AA_ARRANGEMENT", "FBNK_COLLATERAL", "FBNK_AA_BILL_DETAILS"),
)
W4 = Source("w4", "W4", ("CARD_CONTRACT", "CLIENT_CONTACT"))
LOS = Source("los", "LOS", ("reference_customer", "loan_collateral"))
SOURCES: tuple[Source, ...] = (T24, W4, LOS)
BY_NAME = {s.name: s for s in SOURCES}
