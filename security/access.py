"""Per-request token check used by every service: signature, claims, then revocation.

Purely local: the public keys are cached from the auth service's JWKS and revocations come
from the auth.revocations topic, so no request waits for a call to the auth service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from security.jwks import RemoteJwks
from security.tokens import Claims, InvalidToken, Reason, TokenVerifier
from streams.revocations import RevocationView


class TokenRevoked(Exception):
    """The token is valid but its session was ended (logout, reuse, admin)."""


@dataclass
class AccessChecker:
    verifier: TokenVerifier
    revocations: RevocationView
    # Set for services that fetch the auth service's keys; None in the auth service itself.
    remote_keys: RemoteJwks | None = None

    async def check(self, token: str, now: datetime) -> Claims:
        """Return the claims of a usable token or raise InvalidToken / TokenRevoked."""
        try:
            claims = self.verifier.verify(token, now)
        except InvalidToken as exc:
            # A key we have not seen yet may be a fresh rotation: look once (rate-limited).
            if exc.reason is not Reason.UNKNOWN_KEY or self.remote_keys is None:
                raise
            await self._refresh(now)
            claims = self.verifier.verify(token, now)
        if self.revocations.is_revoked(claims.session_id, now):
            raise TokenRevoked(claims.session_id)
        return claims

    async def _refresh(self, now: datetime) -> None:
        assert self.remote_keys is not None
        try:
            await self.remote_keys.refresh(now)
        except Exception as exc:  # the auth service unreachable: the token stays unverified
            raise InvalidToken(Reason.UNKNOWN_KEY, f"keys unavailable: {exc}") from exc
