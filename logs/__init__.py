"""Auth0-shaped log events: what happened at the token service and the Management API, and why (SPEC section 9)."""
