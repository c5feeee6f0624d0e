"""`crm schemas check|register` over the committed catalog and over edited copies of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crm.settings import Settings
from streams.avro import catalog_cli
from streams.avro_catalog import SCHEMA_ROOT, Catalog, fingerprint, local_schemas


def run(action: str, root: Path) -> tuple[int, list[str]]:
    lines: list[str] = []
    return catalog_cli(Settings(), action, root=root, echo=lines.append), lines


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "avro"
    shutil.copytree(SCHEMA_ROOT, copy)
    return copy


def edit(root: Path, relative: str, add_field: dict[str, object]) -> None:
    path = root / relative
    schema = json.loads(path.read_text())
    schema["fields"].append(add_field)
    path.write_text(json.dumps(schema, indent=2) + "\n")


def test_committed_catalog_passes_check() -> None:
    code, lines = run("check", SCHEMA_ROOT)
    assert code == 0, "\n".join(lines)
    assert sorted(line.split()[1].rstrip(":") for line in lines) == sorted(local_schemas())


def test_catalog_fingerprints_are_up_to_date() -> None:
    catalog = Catalog.load()
    for name, local in local_schemas().items():
        latest = catalog.versions(name)[-1]
        assert latest.fingerprint == local.fingerprint, f"{name}: run `crm schemas register`"
        assert fingerprint(catalog.history_schema(latest)) == latest.fingerprint


def test_catalog_ids_are_unique_and_versions_consecutive() -> None:
    catalog = Catalog.load()
    assert len({e.id for e in catalog.entries}) == len(catalog.entries)
    for name in catalog.names():
        assert [v.version for v in catalog.versions(name)] == list(
            range(1, len(catalog.versions(name)) + 1)
        )


def test_register_adds_a_compatible_version_that_check_then_compares(root: Path) -> None:
    edit(
        root, "auth/AuthEvent.avsc", {"name": "tenant", "type": ["null", "string"], "default": None}
    )
    assert run("check", root)[0] == 1
    code, lines = run("register", root)
    assert code == 0
    entries = Catalog.load().entries
    next_id = max(e.id for e in entries) + 1
    current = max(e.version for e in entries if e.name == "crm.auth.AuthEvent")
    assert f"ok   crm.auth.AuthEvent: registered id={next_id} v{current + 1}" in lines
    assert (root / "history" / "crm.auth.AuthEvent" / f"{next_id}.avsc").exists()
    code, lines = run("check", root)
    assert code == 0
    assert any("AuthEvent" in line and f"compatible with v{current}" in line for line in lines)


def test_register_refuses_an_incompatible_change(root: Path) -> None:
    before = (root / "catalog.json").read_text()
    edit(root, "payments/PaymentEvent.avsc", {"name": "branchCode", "type": "string"})
    code, lines = run("register", root)
    assert code == 1
    assert "FAIL crm.payments.PaymentEvent: refused" in lines
    assert any("branchCode: reader's field is missing in the writer" in line for line in lines)
    assert (root / "catalog.json").read_text() == before


def test_register_without_changes_leaves_the_catalog_alone(root: Path) -> None:
    before = (root / "catalog.json").read_text()
    code, lines = run("register", root)
    assert code == 0
    assert all("unchanged" in line for line in lines)
    assert (root / "catalog.json").read_text() == before


def test_check_fails_on_an_altered_history_file(root: Path) -> None:
    entry = Catalog.load(root).versions("crm.sync.SyncEvent")[-1]
    edit(root, f"history/crm.sync.SyncEvent/{entry.id}.avsc", {"name": "x", "type": "int"})
    code, lines = run("check", root)
    assert code == 1
    assert any("altered after registration" in line for line in lines)


def test_check_fails_when_a_catalogued_schema_is_deleted(root: Path) -> None:
    (root / "workflow" / "WorkflowEvent.avsc").unlink()
    code, lines = run("check", root)
    assert code == 1
    assert "FAIL crm.workflow.WorkflowEvent: removed" in lines


def test_check_fails_on_a_namespace_outside_its_service(root: Path) -> None:
    shutil.copy(root / "auth" / "AuthEvent.avsc", root / "sync" / "AuthEvent.avsc")
    (root / "auth" / "AuthEvent.avsc").unlink()
    code, lines = run("check", root)
    assert code == 1
    assert any("namespace must be crm.sync" in line for line in lines)


def test_unknown_action_is_a_usage_error(root: Path) -> None:
    assert run("publish", root)[0] == 2
