"""User and role administration (auth service): who has which role, granted by whom."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence.auth_records import StoredUser
from persistence.auth_users import UnknownRoleError
from security.auth_context import AuthContext, auth_context
from streams.app import crm_app
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.pagination import page_body, page_of
from web.problems import ProblemError
from web.views import ApiView


def user_json(user: StoredUser) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.username,
        "upn": user.upn,
        "displayName": user.display_name,
        "email": user.email,
        "department": user.department,
        "enabled": user.enabled,
        "directoryGroups": list(user.directory_groups),
        "roles": [
            {"name": r.name, "source": r.source, "assignedBy": r.assigned_by} for r in user.roles
        ],
        "permissions": sorted(user.permissions),
        "lastLoginAt": user.last_login_at,
    }


async def _ctx(view: ApiView) -> AuthContext:
    return await auth_context(crm_app(view.app))


async def _user(ctx: AuthContext, raw_id: str) -> StoredUser:
    try:
        user = await ctx.store.get_user(uuid.UUID(raw_id))
    except ValueError:
        user = None
    if user is None:
        raise ProblemError(404, "USER_NOT_FOUND", "No such user.", field="id")
    return user


def users_blueprint() -> Blueprint:
    bp = Blueprint("users")

    @bp.route("/api/users", name="users")
    class Users(ApiView):
        @requires("users:manage", "Users, by username (filters: role, status=enabled|disabled)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            page = page_of(request)
            status = request.query.get("status")
            if status not in (None, "enabled", "disabled"):
                raise ProblemError(
                    400, "INVALID_STATUS", "status is enabled or disabled", field="status"
                )
            after = str(page.after[0]) if page.after else None
            users = await (await _ctx(self)).store.list_users(
                role=request.query.get("role"),
                enabled=None if status is None else status == "enabled",
                after=after,
                limit=page.limit,
            )
            last = [users[-1].username] if users else None
            return json_response(page_body([user_json(u) for u in users], page, last))

    @bp.route("/api/users/{id}", name="user")
    class UserById(ApiView):
        @requires("users:manage", "One user with roles and permissions")
        async def get(self, request: aioweb.Request, id: str) -> aioweb.Response:
            return json_response(user_json(await _user(await _ctx(self), id)))

    @bp.route("/api/users/{id}/roles", name="user-roles")
    class UserRoles(ApiView):
        @requires("users:manage", "A user's roles")
        async def get(self, request: aioweb.Request, id: str) -> aioweb.Response:
            return json_response(user_json(await _user(await _ctx(self), id))["roles"])

        @requires("users:manage", "Grant a role by hand ({role}); audited as ROLE_ASSIGNED")
        async def post(self, request: aioweb.Request, id: str) -> aioweb.Response:
            ctx = await _ctx(self)
            user = await _user(ctx, id)
            role = (await read_object(request)).get("role")
            if not isinstance(role, str):
                raise ProblemError(400, "VALIDATION_ERROR", "role is required", field="role")
            admin = principal_of(request)
            now = datetime.now(UTC)
            try:
                await ctx.store.assign_role(user.id, role, admin.user_id, now)
            except UnknownRoleError as exc:
                raise ProblemError(400, "UNKNOWN_ROLE", f"No role {role}.", field="role") from exc
            event = admin.event("ROLE_ASSIGNED", now)
            await ctx.trail.record(
                type(event)(
                    "ROLE_ASSIGNED",
                    username=user.username,
                    user_id=str(user.id),
                    details={"role": role, "source": "MANUAL", "by": admin.user_id},
                    occurred_at=now,
                )
            )
            return json_response(user_json(await _user(ctx, id)), status=201)

    @bp.route("/api/users/{id}/roles/{roleId}", name="user-role")
    class UserRole(ApiView):
        @requires("users:manage", "Take a role away (a directory role returns at next login)")
        async def delete(
            self,
            request: aioweb.Request,
            id: str,
            roleId: str,
        ) -> aioweb.Response:
            ctx = await _ctx(self)
            user = await _user(ctx, id)
            if not await ctx.store.remove_role(user.id, roleId):
                raise ProblemError(404, "ROLE_NOT_ASSIGNED", "The user has no such role.")
            return json_response(user_json(await _user(ctx, id)))

    @bp.route("/api/roles", name="roles")
    class Roles(ApiView):
        @requires("users:manage", "Roles and their permissions")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            roles = await (await _ctx(self)).store.list_roles()
            return json_response(
                [{"id": r.id, "name": r.name, "description": r.description} for r in roles]
            )

    @bp.route("/api/roles/{id}/permissions", name="role-permissions")
    class RolePermissions(ApiView):
        @requires("users:manage", "A role's permissions (id or name)")
        async def get(self, request: aioweb.Request, id: str) -> aioweb.Response:
            roles = await (await _ctx(self)).store.list_roles()
            for role in roles:
                if id in (str(role.id), role.name):
                    return json_response({"role": role.name, "permissions": role.permissions})
            raise ProblemError(404, "ROLE_NOT_FOUND", "No such role.", field="id")

    return bp
