"""Schema ids from a Confluent Schema Registry, subject = record full name (RecordNameStrategy)."""

from __future__ import annotations

import json
from typing import Any

from streams.avro_catalog import LocalSchema

# Both directions, like `crm schemas check`: old consumers keep reading new producers' data.
COMPATIBILITY = "FULL"


def _client(url: str) -> Any:
    try:
        from confluent_kafka.schema_registry import SchemaRegistryClient
    except ImportError as exc:
        # The registry client needs confluent-kafka's optional schemaregistry extra.
        raise RuntimeError(
            "CRM_SCHEMA_REGISTRY_URL is set but confluent-kafka[schemaregistry] is not installed"
        ) from exc
    return SchemaRegistryClient({"url": url})


def _schema(local: LocalSchema) -> Any:
    from confluent_kafka.schema_registry import Schema

    # The same compact text for register and lookup, so the registry finds its own version.
    return Schema(json.dumps(local.schema, separators=(",", ":")), "AVRO")


class RegistrySource:
    """Look ids up in the registry; producers never register, `crm schemas register` does."""

    def __init__(self, url: str) -> None:
        self._client = _client(url)

    def id_for(self, local: LocalSchema) -> int:
        """Return the registry's id of this exact schema under its full-name subject."""
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        try:
            registered = self._client.lookup_schema(local.name, _schema(local))
        except SchemaRegistryError as exc:
            raise LookupError(f"{local.name} is not in the registry ({exc}); register it") from exc
        return int(registered.schema_id)

    def schema_text(self, schema_id: int) -> str | None:
        """Return the writer schema of a registry id, None if the registry does not know it."""
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        try:
            return str(self._client.get_schema(schema_id).schema_str)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                return None
            raise


def publish(url: str, schemas: list[LocalSchema]) -> dict[str, int]:
    """Register the current schemas with FULL compatibility; return each one's registry id."""
    client = _client(url)
    ids = {}
    for local in schemas:
        client.set_compatibility(subject_name=local.name, level=COMPATIBILITY)
        ids[local.name] = int(client.register_schema(local.name, _schema(local)))
    return ids
