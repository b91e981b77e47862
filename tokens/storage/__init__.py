"""What the token service stores: authorization codes, refresh tokens, opaque tokens, SSO sessions."""
