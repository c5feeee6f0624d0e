"""The Directory against Active Directory over LDAP (ldap3), with real simple binds."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from ldap3 import NONE, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from crm.settings import Settings
from integrations.ad_accounts import (
    UF_ACCOUNTDISABLE,
    account_name,
    account_refusal,
    bind_refusal,
    nested_groups,
    password_expired,
)
from integrations.directory import AuthFailure, DirectoryUnavailable, DirectoryUser, FailureReason

log = logging.getLogger(__name__)

TIMEOUT_S = 5
PAGE_SIZE = 500
PERSON = "(objectCategory=person)(objectClass=user)"
# LDAP_MATCHING_RULE_IN_CHAIN: AD expands nested group membership server-side.
IN_CHAIN = "1.2.840.113556.1.4.1941"
COMPUTED_UAC = "msDS-User-Account-Control-Computed"
USER_ATTRS = ["sAMAccountName", "userPrincipalName", "displayName", "mail", "department"]
USER_ATTRS += ["userAccountControl", "pwdLastSet", COMPUTED_UAC]


class LdapDirectory:
    """Active Directory through ldap3; every operation opens its own short-lived connections."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def authenticate(self, username: str, password: str) -> DirectoryUser:
        """Return the user when AD accepts the password, else raise AuthFailure."""
        # ldap3 blocks; a thread keeps the event loop serving other requests meanwhile.
        return await asyncio.to_thread(self._authenticate, username, password)

    async def find_user(self, username: str) -> DirectoryUser | None:
        """Return the user with their nested groups, or None when no such account exists."""
        return await asyncio.to_thread(self._find_user, username)

    async def list_users(self) -> list[DirectoryUser]:
        """Return every user account under the base DN with nested groups, for the sync."""
        return await asyncio.to_thread(self._list_users)

    def _authenticate(self, login: str, password: str) -> DirectoryUser:
        s = self._settings
        name = account_name(login, s.ad_realm, s.ad_domain)
        if name is None:
            raise AuthFailure(FailureReason.INVALID_USERNAME)
        # An empty password makes an "unauthenticated" bind, which AD and others accept as
        # anonymous (RFC 4513 5.1.2): refused here, before anything reaches the directory.
        if not password:
            raise AuthFailure(FailureReason.WRONG_PASSWORD)
        try:
            with self._service() as conn:
                found = self._lookup(conn, name)
                # Bind even when the outcome is known, so timing says little about accounts.
                identity = found[0].dn if found else f"{name}@{s.ad_realm}"
                refused = self._user_bind(identity, password)
                if found is None:
                    raise AuthFailure(FailureReason.UNKNOWN_USER)
                user, state = found
                # The flags name the account's state even when the password was wrong too.
                reason = state or refused
                if reason is not None:
                    raise AuthFailure(reason)
                return replace(user, groups=self._groups(conn, user.dn))
        except DirectoryUnavailable as exc:
            raise AuthFailure(FailureReason.DIRECTORY_UNAVAILABLE) from exc

    def _find_user(self, login: str) -> DirectoryUser | None:
        s = self._settings
        name = account_name(login, s.ad_realm, s.ad_domain)
        if name is None:
            return None  # no account can have that name
        with self._service() as conn:
            found = self._lookup(conn, name)
            if found is None:
                return None
            user, _ = found
            return replace(user, groups=self._groups(conn, user.dn))

    def _list_users(self) -> list[DirectoryUser]:
        with self._service() as conn:
            entries = self._search(conn, f"(&{PERSON})", USER_ATTRS)
            # All groups in one search rather than one search per user: the sync makes two.
            groups = self._search(conn, "(objectClass=group)", ["cn", "member"])
        names = {g["dn"].lower(): _first(g, "cn") or g["dn"] for g in groups}
        containers: dict[str, set[str]] = {}
        for group in groups:
            for member in group["attributes"].get("member", []):
                containers.setdefault(member.lower(), set()).add(group["dn"].lower())
        users = []
        for entry in entries:
            held = frozenset(names[g] for g in nested_groups(entry["dn"], containers))
            users.append(replace(_account(entry)[0], groups=held))
        return users

    def _lookup(
        self, conn: Connection, name: str
    ) -> tuple[DirectoryUser, FailureReason | None] | None:
        query = f"(&{PERSON}(sAMAccountName={escape_filter_chars(name)}))"
        entries = self._search(conn, query, USER_ATTRS)
        if len(entries) != 1:
            if entries:
                log.error("directory has %d accounts named %r; refusing all", len(entries), name)
            return None
        return _account(entries[0])

    def _groups(self, conn: Connection, dn: str) -> frozenset[str]:
        query = f"(&(objectClass=group)(member:{IN_CHAIN}:={escape_filter_chars(dn)}))"
        return frozenset(_first(g, "cn") or g["dn"] for g in self._search(conn, query, ["cn"]))

    def _search(self, conn: Connection, query: str, attrs: list[str]) -> list[dict[str, Any]]:
        try:
            found = conn.extend.standard.paged_search(
                self._settings.ldap_base_dn,
                query,
                SUBTREE,
                attributes=attrs,
                paged_size=PAGE_SIZE,
                generator=False,
            )
        except LDAPException as exc:
            log.error("directory search failed: %s", exc)
            raise DirectoryUnavailable(str(exc)) from exc
        # AD also answers with referrals to its DNS partitions; only entries are users.
        return [r for r in found if r["type"] == "searchResEntry"]

    def _user_bind(self, identity: str, password: str) -> FailureReason | None:
        """Return None when AD accepts identity's password, else why it refused."""
        conn = self._connection(identity, password, raise_exceptions=False)
        try:
            if conn.bind():
                return None
            return bind_refusal(conn.result)
        except LDAPException as exc:
            log.error("directory bind failed: %s", exc)
            raise DirectoryUnavailable(str(exc)) from exc
        finally:
            _close(conn)

    @contextmanager
    def _service(self) -> Iterator[Connection]:
        """Yield a connection bound as the CRM's service account."""
        s = self._settings
        password = s.ldap_service_password_value()
        if password is None:
            log.error("no password for the directory service account %s", s.ldap_service_user)
            raise DirectoryUnavailable("no service account password")
        conn = self._connection(s.ldap_service_user, password, raise_exceptions=True)
        try:
            try:
                conn.bind()
            except LDAPException as exc:
                log.error("service account %s cannot bind: %s", s.ldap_service_user, exc)
                raise DirectoryUnavailable(str(exc)) from exc
            yield conn
        finally:
            _close(conn)

    def _connection(self, user: str, password: str, *, raise_exceptions: bool) -> Connection:
        """Open a connection (StartTLS when configured) ready for a simple bind."""
        s = self._settings
        # ldap3's Tls validates nothing unless asked; a bank's AD certificate must be checked.
        tls = Tls(validate=ssl.CERT_REQUIRED) if s.ldap_start_tls else None
        server = Server(
            s.ldap_host, port=s.ldap_port, get_info=NONE, tls=tls, connect_timeout=TIMEOUT_S
        )
        conn = Connection(
            server,
            user=user,
            password=password,
            authentication=SIMPLE,
            receive_timeout=TIMEOUT_S,
            auto_referrals=False,
            raise_exceptions=raise_exceptions,
        )
        try:
            conn.open()
            if s.ldap_start_tls and not conn.start_tls(read_server_info=False):
                raise DirectoryUnavailable("StartTLS refused")
        except (LDAPException, DirectoryUnavailable) as exc:
            _close(conn)
            log.error("directory %s:%s unreachable: %s", s.ldap_host, s.ldap_port, exc)
            raise DirectoryUnavailable(str(exc)) from exc
        return conn


def _account(entry: dict[str, Any]) -> tuple[DirectoryUser, FailureReason | None]:
    """Read a user entry (groups not yet known) and why its flags forbid a login, if they do."""
    uac = int(_first(entry, "userAccountControl") or 0)
    raw_computed = _first(entry, COMPUTED_UAC)
    computed = None if raw_computed is None else int(raw_computed)
    # Unreadable pwdLastSet (-1) must not look like "must change" (0).
    pwd_last_set = int(_first(entry, "pwdLastSet") or -1)
    name = _first(entry, "sAMAccountName") or ""
    user = DirectoryUser(
        username=name,
        upn=_first(entry, "userPrincipalName"),
        display_name=_first(entry, "displayName") or name,
        email=_first(entry, "mail"),
        department=_first(entry, "department"),
        enabled=not uac & UF_ACCOUNTDISABLE,
        password_expired=password_expired(computed, pwd_last_set),
        groups=frozenset(),
        dn=entry["dn"],
    )
    return user, account_refusal(uac, computed, pwd_last_set)


def _close(conn: Connection) -> None:
    """Close a connection whose socket may already be gone."""
    try:
        conn.unbind()
    except LDAPException:
        log.debug("directory connection already closed")


def _first(entry: dict[str, Any], attr: str) -> str | None:
    values = entry["attributes"].get(attr) or []
    if isinstance(values, list):
        return str(values[0]) if values else None
    return str(values)
