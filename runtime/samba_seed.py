"""Provision the Samba AD domain and apply the demo directory; run by Debian's /usr/bin/python3."""

# The samba bindings exist only for the system interpreter, not in the project's venv, so
# this file imports nothing from the project. It reads one JSON document on stdin (secrets
# included, so they never appear on a command line) and writes progress to stdout.

from __future__ import annotations

import json
import sys
from typing import Any

import ldb  # type: ignore[import-not-found]
from samba.auth import system_session  # type: ignore[import-not-found]
from samba.dsdb import UF_ACCOUNTDISABLE  # type: ignore[import-not-found]
from samba.netcmd.main import cmd_sambatool  # type: ignore[import-not-found]
from samba.param import LoadParm  # type: ignore[import-not-found]
from samba.samdb import SamDB  # type: ignore[import-not-found]


def samba_tool(*args: str) -> None:
    """Run one samba-tool command in this process (its arguments stay out of `ps`)."""
    code = cmd_sambatool()._run("samba-tool", *args)
    if code not in (0, None):
        raise SystemExit(f"samba-tool {args[0]} {args[1]} failed with {code}")


def provision(job: dict[str, Any]) -> None:
    p = job["provision"]
    samba_tool(
        "domain",
        "provision",
        "-s",
        p["empty_conf"],
        f"--targetdir={p['targetdir']}",
        f"--realm={p['realm']}",
        f"--domain={p['domain']}",
        f"--host-name={p['host_name']}",
        "--server-role=dc",
        "--dns-backend=NONE",
        f"--adminpass={p['admin_password']}",
    )


def _one(samdb: Any, expression: str, attrs: list[str]) -> Any:
    """Return the one matching entry, or None."""
    found = samdb.search(samdb.domain_dn(), ldb.SCOPE_SUBTREE, expression, attrs)
    return found[0] if len(found) else None


def _replace(samdb: Any, dn: Any, attrs: dict[str, str]) -> None:
    msg = ldb.Message(dn)
    for name, value in attrs.items():
        msg[name] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, name)
    samdb.modify(msg)


def apply_user(samdb: Any, user: dict[str, Any]) -> None:
    """Create the user or bring an existing one back to what the file says."""
    name = user["username"]
    account = f"(&(objectClass=user)(sAMAccountName={ldb.binary_encode(name)}))"
    if _one(samdb, account, []) is None:
        print(f"creating user {name}", flush=True)
        samdb.newuser(
            name,
            user["password"],
            givenname=user.get("given_name"),
            surname=user.get("surname"),
            mailaddress=user.get("mail"),
            department=user.get("department"),
        )
    else:
        # A reset, not a change: the demo password always matches the file afterwards.
        samdb.setpassword(account, user["password"])
    entry = _one(samdb, account, ["userAccountControl"])
    attrs = {"displayName": user["display_name"]}
    for key, attr in (("given_name", "givenName"), ("surname", "sn"), ("mail", "mail")):
        if user.get(key):
            attrs[attr] = user[key]
    if user.get("department"):
        attrs["department"] = user["department"]
    uac = int(entry["userAccountControl"][0])
    uac = uac & ~UF_ACCOUNTDISABLE if user.get("enabled", True) else uac | UF_ACCOUNTDISABLE
    attrs["userAccountControl"] = str(uac)
    if user.get("must_change_password", False):
        # pwdLastSet=0 is AD's "must change password at next logon": binds fail with data 773.
        attrs["pwdLastSet"] = "0"
    _replace(samdb, entry.dn, attrs)


def apply_group(samdb: Any, group: dict[str, Any], members: list[str]) -> None:
    """Create the group if missing and make its members exactly the listed users."""
    name = group["name"]
    query = f"(&(objectClass=group)(sAMAccountName={ldb.binary_encode(name)}))"
    if _one(samdb, query, []) is None:
        print(f"creating group {name}", flush=True)
        samdb.newgroup(name, description=group.get("description"))
    entry = _one(samdb, query, ["member"])
    current = {str(dn).lower(): str(dn) for dn in entry.get("member", [])}
    wanted = {}
    for user in members:
        found = _one(samdb, f"(sAMAccountName={ldb.binary_encode(user)})", [])
        wanted[str(found.dn).lower()] = str(found.dn)
    msg = ldb.Message(entry.dn)
    added = [wanted[k] for k in wanted.keys() - current.keys()]
    removed = [current[k] for k in current.keys() - wanted.keys()]
    if added:
        msg["add"] = ldb.MessageElement(added, ldb.FLAG_MOD_ADD, "member")
    if removed:
        msg["del"] = ldb.MessageElement(removed, ldb.FLAG_MOD_DELETE, "member")
    if added or removed:
        samdb.modify(msg)


def seed(job: dict[str, Any]) -> None:
    s = job["seed"]
    policy = ["domain", "passwordsettings", "set", "-s", s["conf"], "-H", s["sam"]]
    # Demo policy: passwords never expire and resets may repeat; the CRM does lockout itself.
    policy += ["--complexity=on", "--history-length=0", "--min-pwd-age=0", "--max-pwd-age=0"]
    policy += ["--account-lockout-threshold=0"]
    samba_tool(*policy)
    lp = LoadParm()
    lp.load(s["conf"])
    samdb = SamDB(url=s["sam"], lp=lp, session_info=system_session())
    # The secrets file is the truth: a lost or replaced file must not lock the admin out.
    samdb.setpassword("(sAMAccountName=Administrator)", s["admin_password"])
    for user in s["users"]:
        apply_user(samdb, user)
    for group in s["groups"]:
        members = [u["username"] for u in s["users"] if group["name"] in u.get("groups", [])]
        apply_group(samdb, group, members)
    print(f"directory: {len(s['users'])} users, {len(s['groups'])} groups applied", flush=True)


def main() -> None:
    job = json.load(sys.stdin)
    if "provision" in job:
        provision(job)
    if "seed" in job:
        seed(job)


if __name__ == "__main__":
    main()
