"""Explaining token outcomes: dry runs and presented tokens (SPEC section 7)."""
