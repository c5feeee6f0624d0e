"""The scheduled directory sync: AD is the source of users, groups and enabled flags.

Logins already refresh the user who logs in; this catches everyone else: a user disabled in AD
or removed from every CRM group loses their roles and has their sessions ended everywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from crm.settings import Settings
from domain.auth import roles_for_groups
from security.accounts import store_account
from security.auth_context import AuthContext
from security.login import Client

log = logging.getLogger(__name__)
SYSTEM = Client(ip=None, user_agent="directory-sync")


@dataclass
class SyncReport:
    seen: int = 0
    synced: int = 0
    changed: int = 0
    sessions_ended: int = 0


async def sync_directory(ctx: AuthContext, settings: Settings, now: datetime) -> SyncReport:
    """Bring every CRM user in line with AD; accounts never seen by the CRM are skipped."""
    report = SyncReport()
    for account in await ctx.directory.list_users():
        report.seen += 1
        roles = roles_for_groups(account.groups, settings.group_roles)
        known = await ctx.store.find_user_by_username(account.username)
        if known is None and not roles:
            continue  # built-in or non-CRM accounts stay out of the CRM's user table
        synced = await store_account(ctx.store, account, roles, now)
        report.synced += 1
        report.changed += int(synced.changed or synced.created)
        await ctx.trail.user_synced(synced, SYSTEM, now)
        if not account.enabled or not roles:
            reason = "DISABLED_IN_DIRECTORY" if not account.enabled else "NO_CRM_ROLE"
            ended = await ctx.store.end_user_sessions(synced.user.id, reason, now)
            for session_id in ended:
                await ctx.revoker(session_id, synced.user.id, now, reason)
            report.sessions_ended += len(ended)
    log.info("directory sync: %s", report)
    return report
