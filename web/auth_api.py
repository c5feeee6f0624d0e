"""Auth service views: login, refresh, logout, token validation, JWKS, own sessions."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from security.auth_context import AuthContext, auth_context
from security.login import Client, DirectoryDown, Grant, LoginRefused
from streams.app import CrmApp, crm_app
from web.auth import authenticated, principal_of, public, requires
from web.jsonio import json_response, read_object
from web.problems import ProblemError
from web.views import ApiView

# One message for every refusal: the caller must not learn whether the user exists.
REFUSED = "Invalid username or password."


def _client(request: aioweb.Request) -> Client:
    # Our nginx appends the address it saw; earlier entries are whatever the client sent.
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
    agent, device = request.headers.get("User-Agent"), request.headers.get("X-Device-Id")
    return Client(
        ip=_ip(forwarded) or _ip(request.remote),
        user_agent=agent[:300] if agent else None,
        device=device[:100] if device and device.isprintable() else None,
    )


def _ip(value: str | None) -> str | None:
    """Only a well-formed address reaches the inet column (headers can carry anything)."""
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def _text(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ProblemError(400, "VALIDATION_ERROR", f"{name} is required", field=name)
    return value


def _grant_json(grant: Grant, now: datetime) -> dict[str, Any]:
    user = grant.user
    return {
        "accessToken": grant.access.token,
        "tokenType": "Bearer",
        "expiresIn": int((grant.access.expires_at - now).total_seconds()),
        "refreshToken": grant.refresh_token,
        "sessionId": str(grant.session_id),
        "user": {
            "id": str(user.id),
            "username": user.username,
            "displayName": user.display_name,
            "roles": sorted(user.role_names),
            "permissions": sorted(user.permissions),
        },
    }


def _session_json(s: Any) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "createdAt": s.created_at,
        "lastSeenAt": s.last_seen_at,
        "expiresAt": s.expires_at,
        "endedAt": s.ended_at,
        "ipAddress": s.ip_address,
        "userAgent": s.user_agent,
        "device": s.device,
    }


async def _context(view: ApiView) -> tuple[CrmApp, AuthContext]:
    app = crm_app(view.app)
    return app, await auth_context(app)


def auth_blueprint() -> Blueprint:
    bp = Blueprint("auth")

    @bp.route("/api/auth/login", name="login")
    class Login(ApiView):
        @public("Log in with an Active Directory account; returns access and refresh tokens")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            body = await read_object(request)
            username, password = _text(body, "username", 256), _text(body, "password", 512)
            _, ctx = await _context(self)
            now = datetime.now(UTC)
            try:
                grant = await ctx.login.login(username, password, _client(request), now)
            except LoginRefused as exc:
                raise ProblemError(401, "INVALID_CREDENTIALS", REFUSED) from exc
            except DirectoryDown as exc:
                raise ProblemError(
                    503,
                    "DIRECTORY_UNAVAILABLE",
                    "Sign-in is unavailable; retry shortly.",
                    headers={"Retry-After": "5"},
                ) from exc
            return json_response(_grant_json(grant, now))

    @bp.route("/api/auth/token/refresh", name="refresh")
    class Refresh(ApiView):
        @public("Exchange a refresh token for new tokens (the old one is spent)")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            token = _text(await read_object(request), "refreshToken", 256)
            _, ctx = await _context(self)
            now = datetime.now(UTC)
            try:
                grant = await ctx.login.refresh(token, _client(request), now)
            except LoginRefused as exc:
                raise ProblemError(
                    401, "INVALID_REFRESH_TOKEN", "The refresh token is not valid."
                ) from exc
            return json_response(_grant_json(grant, now))

    @bp.route("/api/auth/logout", name="logout")
    class Logout(ApiView):
        @authenticated("End the caller's session on every service")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            principal = principal_of(request)
            _, ctx = await _context(self)
            now = datetime.now(UTC)
            session = uuid.UUID(principal.session_id)
            await ctx.login.end_session(session, uuid.UUID(principal.user_id), now, "LOGOUT")
            await ctx.trail.record(principal.event("LOGOUT", now))
            return json_response({"sessionId": str(session), "status": "ENDED"})

    @bp.route("/api/auth/token/validate", name="validate")
    class Validate(ApiView):
        @authenticated("Check the caller's token and return what it grants")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            p = principal_of(request)
            return json_response(
                {
                    "valid": True,
                    "userId": p.user_id,
                    "sessionId": p.session_id,
                    "roles": sorted(p.roles),
                    "permissions": sorted(p.permissions),
                }
            )

    @bp.route("/api/auth/.well-known/jwks.json", name="jwks")
    class Jwks(ApiView):
        @public("Public keys that verify access tokens (RFC 7517)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            _, ctx = await _context(self)
            resp = json_response(ctx.keyset.public_jwks())
            resp.headers["Cache-Control"] = "public, max-age=300"
            return resp

    @bp.route("/api/auth/sessions", name="sessions")
    class Sessions(ApiView):
        @authenticated("Live sessions: one's own, or a user's (userId=) with users:manage")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            _, ctx = await _context(self)
            principal = principal_of(request)
            wanted = request.query.get("userId", principal.user_id)
            if wanted != principal.user_id and not principal.may("users:manage"):
                raise ProblemError(403, "FORBIDDEN", "Permission users:manage is required.")
            try:
                user = uuid.UUID(wanted)
            except ValueError as exc:
                raise ProblemError(
                    400, "VALIDATION_ERROR", "userId is not valid", field="userId"
                ) from exc
            live = await ctx.store.list_sessions(user, now=datetime.now(UTC))
            return json_response({"items": [_session_json(s) for s in live]})

    @bp.route("/api/auth/sessions/{sessionId}", name="session")
    class SessionById(ApiView):
        @authenticated("End one session: one's own, or anyone's with users:manage")
        async def delete(self, request: aioweb.Request, sessionId: str) -> aioweb.Response:
            principal = principal_of(request)
            _, ctx = await _context(self)
            try:
                session_id = uuid.UUID(sessionId)
            except ValueError as exc:
                raise ProblemError(404, "SESSION_NOT_FOUND", "No such session.") from exc
            session = await ctx.store.get_session(session_id)
            mine = session is not None and str(session.user_id) == principal.user_id
            if session is None or not (mine or principal.may("users:manage")):
                # Someone else's session is reported as absent, not as forbidden.
                raise ProblemError(404, "SESSION_NOT_FOUND", "No such session.")
            now = datetime.now(UTC)
            reason = "ENDED_BY_USER" if mine else "ENDED_BY_ADMIN"
            await ctx.login.end_session(session_id, session.user_id, now, reason)
            await ctx.trail.record(principal.event("TOKEN_REVOKED", now, session=sessionId))
            return json_response({"sessionId": sessionId, "status": "ENDED"})

    return bp


__all__ = ["auth_blueprint", "requires"]
