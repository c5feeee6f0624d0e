"""The action dictionaries as a worker reads them (see persistence.snapshot_cache)."""

from __future__ import annotations

from domain.action_dictionary import Dictionaries
from persistence.snapshot_cache import SnapshotCache


class DictionaryCache(SnapshotCache[Dictionaries]):
    """One snapshot of the action dictionaries, reloaded every little while."""
