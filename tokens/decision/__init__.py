"""How a token request is decided: audience resolution and scopes (SPEC section 2)."""
