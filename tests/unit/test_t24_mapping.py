"""T24 field-map loading: the demo YAML loads, broken configurations are named precisely."""

from __future__ import annotations

import re
import textwrap

import pytest

from domain.errors import ValidationError
from domain.t24_mapping import FieldMapError, FieldType, load_field_maps, load_field_maps_file

TABLES = ("FBNK_CUSTOMER", "FBNK_AA_ARRANGEMENT", "FBNK_COLLATERAL", "FBNK_AA_BILL_DETAILS")


def test_demo_map_loads_every_table() -> None:
    maps = load_field_maps_file()
    assert set(maps.tables) == set(TABLES)
    customer = maps.table("FBNK_CUSTOMER")
    assert customer.entity == "customer"
    assert customer.record_id == "cif"
    assert customer.fields["phone_number"].multi
    assert customer.fields["customer_type"].values == ("INDIVIDUAL", "ORGANIZATION")
    assert customer.fields["date_of_birth"].type is FieldType.DATE
    assert maps.table("FBNK_AA_ARRANGEMENT").record_id == "account_number"
    assert maps.table("FBNK_AA_ARRANGEMENT").fields["outstanding"].type is FieldType.AMOUNT


@pytest.mark.parametrize("table", TABLES)
def test_demo_map_positions_are_unique_per_table(table: str) -> None:
    fields = load_field_maps_file().table(table).fields.values()
    positions = [f.pos for f in fields]
    assert len(positions) == len(set(positions))


def test_key_fields_are_required_even_when_yaml_omits_it() -> None:
    maps = load_field_maps(
        _doc("cif: {pos: 1, type: text}", entity="loan", record_id="account_number")
    )
    assert maps.table("T").fields["cif"].required


def test_unknown_table_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        load_field_maps_file().table("FBNK_TELLER")
    assert (info.value.field, info.value.code) == ("table", "UNKNOWN_TABLE")


def _doc(fields: str, *, entity: str = "loan", record_id: str | None = "account_number") -> str:
    """Build a one-table map; loan's other required fields are always present."""
    base = (
        "currency: {pos: 20, type: enum, values: [VND]}\n"
        "outstanding: {pos: 21, type: amount}\n"
        "due_amount: {pos: 22, type: amount}\n"
        "product_type: {pos: 23, type: text}\n"
        "original_amount: {pos: 24, type: amount}\n"
        "dpd: {pos: 25, type: int}\n"
        "status: {pos: 26, type: enum, values: [OPEN, CLOSED]}\n"
    )
    rid = f"    record_id: {record_id}\n" if record_id else ""
    body = textwrap.indent(base + fields, " " * 6)
    return f"tables:\n  T:\n    entity: {entity}\n{rid}    fields:\n{body}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_doc("cif: {pos: 1, type: money}"), "type 'money'"),
        (_doc("cif: {pos: 1, type: text}\nproduct: {pos: 1, type: text}"), "position 1"),
        (_doc("cif: {pos: 1, type: text}\ncif: {pos: 2, type: text}"), "duplicate key 'cif'"),
        (_doc("term: {pos: 2, type: int}"), "needs fields ['cif']"),
        (_doc("cif: {pos: 1, type: text}", record_id=None), "['account_number']"),
        (_doc("cif: {pos: 0, type: text}"), "pos must be a positive integer"),
        (_doc("cif: {pos: '1', type: text}"), "pos must be a positive integer"),
        (_doc("cif: {pos: 1, type: text}\ns: {pos: 2, type: enum}"), "non-empty list"),
        (_doc("cif: {pos: 1, type: text, values: [A]}"), "only enum fields"),
        (_doc("cif: {pos: 1, type: text, multi: 'yes'}"), "true or false"),
        (_doc("cif: {pos: 1, type: text, position: 3}"), "unknown keys ['position']"),
        (_doc("cif: {pos: 1, type: text}\naccount_number: {pos: 2, type: text}"), "RECID"),
        (_doc("cif: {pos: 1, type: text}", entity="teller"), "entity 'teller'"),
        (_doc("cif: 7"), "entry must be a mapping"),
        ("tables: [FBNK_CUSTOMER]", "top-level 'tables'"),
        ("tables:\n  T: {entity: loan}\n", "fields mapping"),
        ("tables: {T: [", "not valid YAML"),
    ],
    ids=[
        "unknown-type",
        "shared-position",
        "repeated-field",
        "missing-key-field",
        "missing-record-id",
        "zero-pos",
        "string-pos",
        "enum-without-values",
        "values-on-text",
        "non-bool-multi",
        "unknown-entry-key",
        "recid-field-with-position",
        "unknown-entity",
        "scalar-entry",
        "tables-not-mapping",
        "table-without-fields",
        "broken-yaml",
    ],
)
def test_broken_maps_fail_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(FieldMapError, match=re.escape(message)):
        load_field_maps(text)


def test_error_names_the_table_and_field() -> None:
    with pytest.raises(FieldMapError, match=r"^T\.cif: type 'money'"):
        load_field_maps(_doc("cif: {pos: 1, type: money}"))
