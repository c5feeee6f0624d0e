"""The directory interface: who a user is in Active Directory and whether they may log in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """One user account as the directory describes it."""

    username: str  # sAMAccountName, the directory's spelling
    upn: str | None
    display_name: str
    email: str | None
    department: str | None
    enabled: bool
    password_expired: bool
    # CNs of every group the user is in, directly or through nested groups.
    groups: frozenset[str]
    dn: str


class FailureReason(StrEnum):
    """Why a login was refused; audited exactly, never shown to the caller."""

    WRONG_PASSWORD = "WRONG_PASSWORD"  # noqa: S105 (a reason name, not a password)
    UNKNOWN_USER = "UNKNOWN_USER"
    DISABLED = "DISABLED"
    PASSWORD_EXPIRED = "PASSWORD_EXPIRED"  # noqa: S105 (a reason name, not a password)
    LOCKED_IN_DIRECTORY = "LOCKED_IN_DIRECTORY"
    INVALID_USERNAME = "INVALID_USERNAME"
    DIRECTORY_UNAVAILABLE = "DIRECTORY_UNAVAILABLE"


class AuthFailure(Exception):
    """A refused login; the caller shows one message for every reason and audits `reason`."""

    def __init__(self, reason: FailureReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class DirectoryUnavailable(Exception):
    """The directory could not be reached or refused the service account."""


class Directory(Protocol):
    """Authenticate and look up users; implemented against AD, or faked in tests."""

    async def authenticate(self, username: str, password: str) -> DirectoryUser:
        """Return the user when the password is right, else raise AuthFailure."""
        ...

    async def find_user(self, username: str) -> DirectoryUser | None:
        """Return the user a login name names, or None; raise DirectoryUnavailable."""
        ...

    async def list_users(self) -> list[DirectoryUser]:
        """Return every user account under the base DN; raise DirectoryUnavailable."""
        ...
