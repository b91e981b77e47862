"""Signing and shaping tokens: JWT access and ID tokens, the key ring, user token helpers."""
