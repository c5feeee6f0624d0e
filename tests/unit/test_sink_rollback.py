"""A failed batch's rollback never hides the batch's own error."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from persistence.sink import _rollback


class _Connection:
    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.sent: list[str] = []

    async def execute(self, query: str) -> str:
        self.sent.append(query)
        if self.error is not None:
            raise self.error
        return "ROLLBACK"


async def test_a_failed_batch_is_rolled_back() -> None:
    connection = _Connection(None)
    await _rollback(connection)
    assert connection.sent == ["ROLLBACK"]


@pytest.mark.parametrize(
    "error",
    [
        # PostgreSQL shut down mid-COMMIT: the pool has already taken the connection back.
        asyncpg.InterfaceError("connection has been released back to the pool"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InternalClientError("protocol state after a cut COPY"),
    ],
)
async def test_a_connection_that_cannot_roll_back_does_not_raise(error: Any) -> None:
    await _rollback(_Connection(error))
