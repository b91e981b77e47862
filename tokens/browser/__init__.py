"""Browser flows: /authorize, its login page and response modes, logout."""
