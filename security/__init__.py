"""Token security: signing keys, access tokens, JWKS and opaque refresh tokens."""
