"""Pure Active Directory rules: login names, account flags, bind diagnostics, nested groups."""

from __future__ import annotations

import re
from collections.abc import Mapping, Set

from integrations.directory import FailureReason

# userAccountControl and msDS-User-Account-Control-Computed bits (MS-ADTS 2.2.16).
UF_ACCOUNTDISABLE = 0x2
UF_LOCKOUT = 0x10
UF_PASSWORD_EXPIRED = 0x800000

# AD allows more in a sAMAccountName, but every character outside this list is either
# meaningful in an LDAP filter or DN, or not used in the bank's account names; refusing
# them before any LDAP call is what makes injection impossible rather than merely escaped.
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
MAX_LOGIN_LENGTH = 256

RESULT_INVALID_CREDENTIALS = 49
# The `data` sub-code of AD's bind diagnostic: "...AcceptSecurityContext error, data 52e, v1db1".
DIAGNOSTIC = re.compile(r"\bdata ([0-9a-fA-F]{3,8})\b")
BIND_CODES = {
    "52e": FailureReason.WRONG_PASSWORD,
    "525": FailureReason.UNKNOWN_USER,
    # Outside permitted logon hours or workstations, or account expired: the account may
    # not log in now, which for the CRM is the same as disabled.
    "530": FailureReason.DISABLED,
    "531": FailureReason.DISABLED,
    "701": FailureReason.DISABLED,
    "533": FailureReason.DISABLED,
    "532": FailureReason.PASSWORD_EXPIRED,
    "773": FailureReason.PASSWORD_EXPIRED,
    "775": FailureReason.LOCKED_IN_DIRECTORY,
}


def account_name(login: str, realm: str, domain: str) -> str | None:
    """Return the sAMAccountName in `name`, `name@realm` or `DOMAIN\\name`, or None if invalid."""
    if len(login) > MAX_LOGIN_LENGTH:
        return None
    name = login
    if "@" in login:
        name, _, suffix = login.partition("@")
        if suffix.lower() != realm.lower():
            return None
    elif "\\" in login:
        prefix, _, name = login.partition("\\")
        if prefix.lower() != domain.lower():
            return None
    return name if ACCOUNT_NAME.fullmatch(name) else None


def account_refusal(uac: int, computed: int | None, pwd_last_set: int) -> FailureReason | None:
    """Return why the account's flags forbid a login, or None when they allow it."""
    if uac & UF_ACCOUNTDISABLE:
        return FailureReason.DISABLED
    # Only the computed attribute knows whether lockoutTime is still within the duration.
    if computed is not None and computed & UF_LOCKOUT:
        return FailureReason.LOCKED_IN_DIRECTORY
    if password_expired(computed, pwd_last_set):
        return FailureReason.PASSWORD_EXPIRED
    return None


def password_expired(computed: int | None, pwd_last_set: int) -> bool:
    """Return whether the password must be changed before the next logon."""
    if computed is not None:
        # The computed flag also covers maxPwdAge, which pwdLastSet alone cannot tell.
        return bool(computed & UF_PASSWORD_EXPIRED)
    return pwd_last_set == 0


def bind_refusal(result: Mapping[str, object]) -> FailureReason:
    """Map a refused simple bind's LDAP result to the reason AD gave."""
    if result.get("result") != RESULT_INVALID_CREDENTIALS:
        return FailureReason.DIRECTORY_UNAVAILABLE
    found = DIAGNOSTIC.search(str(result.get("message") or ""))
    code = found.group(1).lower() if found else ""
    return BIND_CODES.get(code, FailureReason.WRONG_PASSWORD)


def nested_groups(member_dn: str, containers: Mapping[str, Set[str]]) -> set[str]:
    """Return every group DN (lowercase) holding member_dn, directly or through groups."""
    seen: set[str] = set()
    todo = [member_dn.lower()]
    while todo:
        for group in containers.get(todo.pop(), ()):
            # Groups may nest in a cycle; each is visited once.
            if group not in seen:
                seen.add(group)
                todo.append(group)
    return seen
