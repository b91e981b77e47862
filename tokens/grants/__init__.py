"""The token endpoint's grants (RFC 6749 section 4, Auth0's password-realm)."""
