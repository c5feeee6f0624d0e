"""The committed schema catalog: stable ids, every historical version, check and register."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crm.settings import PROJECT_ROOT
from streams.avro_compat import full_problems, lint

SCHEMA_ROOT = PROJECT_ROOT / "schemas" / "avro"
CATALOG_FILE = "catalog.json"
HISTORY_DIR = "history"


def fingerprint(schema: Any) -> str:
    """Hash a schema's JSON so reformatting the file does not make a new version."""
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def full_name(schema: dict[str, Any]) -> str:
    """Return the namespace-qualified name of a top-level record schema."""
    name = str(schema["name"])
    namespace = schema.get("namespace")
    return name if "." in name or not namespace else f"{namespace}.{name}"


@dataclass(frozen=True)
class LocalSchema:
    """One current .avsc file of the repository."""

    name: str
    path: Path
    text: str
    schema: dict[str, Any]
    fingerprint: str

    @classmethod
    def read(cls, path: Path) -> LocalSchema:
        """Read and fingerprint one .avsc file."""
        text = path.read_text(encoding="utf-8")
        schema = json.loads(text)
        return cls(full_name(schema), path, text, schema, fingerprint(schema))


def local_schemas(root: Path = SCHEMA_ROOT) -> dict[str, LocalSchema]:
    """Return the current schemas, schemas/avro/<service>/*.avsc, by full name."""
    found = (LocalSchema.read(p) for p in sorted(root.glob("*/*.avsc")))
    return {s.name: s for s in found if s.path.parent.name != HISTORY_DIR}


@dataclass(frozen=True)
class CatalogEntry:
    """One schema version with its global id."""

    id: int
    name: str
    version: int
    fingerprint: str


class Catalog:
    """catalog.json plus history/<full name>/<id>.avsc, the text of every version ever used."""

    def __init__(self, root: Path, entries: list[CatalogEntry]) -> None:
        self.root = root
        self.entries = entries
        self._by_id = {entry.id: entry for entry in entries}

    @classmethod
    def load(cls, root: Path = SCHEMA_ROOT) -> Catalog:
        """Read the catalog; a missing file is an empty catalog."""
        path = root / CATALOG_FILE
        if not path.exists():
            return cls(root, [])
        document = json.loads(path.read_text(encoding="utf-8"))
        return cls(root, [CatalogEntry(**entry) for entry in document["schemas"]])

    def save(self) -> None:
        """Write catalog.json in id order so diffs stay small."""
        entries = [asdict(entry) for entry in sorted(self.entries, key=lambda e: e.id)]
        text = json.dumps({"schemas": entries}, indent=2) + "\n"
        (self.root / CATALOG_FILE).write_text(text, encoding="utf-8")

    def by_id(self, schema_id: int) -> CatalogEntry | None:
        """Return the entry of a wire-format schema id."""
        return self._by_id.get(schema_id)

    def versions(self, name: str) -> list[CatalogEntry]:
        """Return the versions of one schema, oldest first."""
        return sorted((e for e in self.entries if e.name == name), key=lambda e: e.version)

    def names(self) -> set[str]:
        """Return every schema name the catalog has ever held."""
        return {entry.name for entry in self.entries}

    def history_path(self, entry: CatalogEntry) -> Path:
        """Return where the text of one version is kept."""
        return self.root / HISTORY_DIR / entry.name / f"{entry.id}.avsc"

    def history_schema(self, entry: CatalogEntry) -> dict[str, Any]:
        """Return the parsed JSON of one historical version."""
        schema: dict[str, Any] = json.loads(self.history_path(entry).read_text(encoding="utf-8"))
        return schema

    def add(self, local: LocalSchema) -> CatalogEntry:
        """Give a changed schema the next id and keep its text in the history."""
        versions = self.versions(local.name)
        entry = CatalogEntry(
            id=max(self._by_id, default=0) + 1,
            name=local.name,
            version=versions[-1].version + 1 if versions else 1,
            fingerprint=local.fingerprint,
        )
        path = self.history_path(entry)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(local.text, encoding="utf-8")
        self.entries.append(entry)
        self._by_id[entry.id] = entry
        return entry


def contract_problems(local: LocalSchema) -> list[str]:
    """Return the conventions a current schema breaks regardless of its history."""
    problems = lint(local.schema)
    service = local.path.parent.name
    if not local.name.startswith(f"crm.{service}."):
        problems.append(f"namespace must be crm.{service} for a schema under {service}/")
    return problems


def check_catalog(root: Path = SCHEMA_ROOT) -> Iterator[tuple[str, str, list[str]]]:
    """Yield (schema name, outcome, problems) for every current or catalogued schema."""
    catalog, current = Catalog.load(root), local_schemas(root)
    for name in sorted(current.keys() | catalog.names()):
        local, versions = current.get(name), catalog.versions(name)
        if local is None:
            yield name, "removed", ["in the catalog but its .avsc is gone; consumers need it"]
            continue
        problems = contract_problems(local)
        if not versions:
            problems.append("not in the catalog; run `crm schemas register`")
        elif versions[-1].fingerprint != local.fingerprint:
            problems.append(
                f"changed since catalog id {versions[-1].id}; run `crm schemas register`"
            )
        problems += _history_problems(catalog, versions)
        outcome = "first version"
        if len(versions) >= 2 and not problems:
            latest, previous = (catalog.history_schema(e) for e in versions[-1:-3:-1])
            problems += full_problems(latest, previous)
            outcome = f"backward and forward compatible with v{versions[-2].version}"
        if versions:
            outcome = f"id={versions[-1].id} v{versions[-1].version}, {outcome}"
        yield name, outcome, problems


def _history_problems(catalog: Catalog, versions: list[CatalogEntry]) -> list[str]:
    problems = []
    for entry in versions:
        path = catalog.history_path(entry)
        if not path.exists():
            problems.append(f"history file {path.name} of id {entry.id} is missing")
        elif fingerprint(catalog.history_schema(entry)) != entry.fingerprint:
            problems.append(f"history file of id {entry.id} was altered after registration")
    return problems


def register_changes(root: Path = SCHEMA_ROOT) -> Iterator[tuple[str, str, list[str]]]:
    """Add a version for each changed, compatible schema; yield (name, outcome, problems)."""
    catalog = Catalog.load(root)
    changed = False
    for name, local in local_schemas(root).items():
        versions = catalog.versions(name)
        if versions and versions[-1].fingerprint == local.fingerprint:
            yield name, f"unchanged id={versions[-1].id} v{versions[-1].version}", []
            continue
        problems = contract_problems(local)
        if versions:
            problems += full_problems(local.schema, catalog.history_schema(versions[-1]))
        if problems:
            yield name, "refused", problems
            continue
        entry = catalog.add(local)
        changed = True
        yield name, f"registered id={entry.id} v{entry.version}", []
    if changed:
        catalog.save()


Printer = Callable[[str], None]


def report(name: str, outcome: str, problems: list[str], echo: Printer) -> None:
    """Print one line per schema, then one indented line per problem."""
    echo(f"{'FAIL' if problems else 'ok  '} {name}: {outcome}")
    for problem in problems:
        echo(f"       {problem}")
