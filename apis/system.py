"""The tenant's system API, Auth0's Management API: its name and the scopes it knows (SPEC sections 1-2)."""

# Auth0's Deploy CLI and SDK tooling recognise the system API by this exact name.
MANAGEMENT_API_NAME = "Auth0 Management API"

_MANAGEMENT_RESOURCES = (
    "resource_servers",
    "clients",
    "client_grants",
    "users",
    "roles",
    "tenant_settings",
    "signing_keys",
    "custom_domains",
)
# Administrative scopes: only a client-credentials token (its client grant decides which) carries them.
MANAGEMENT_SCOPES = [
    f"{action}:{resource}"
    for resource in _MANAGEMENT_RESOURCES
    for action in ("read", "create", "update", "delete")
    if not (resource == "tenant_settings" and action in ("create", "delete"))
    and not (resource == "signing_keys" and action == "delete")
] + ["read:logs"]  # Auth0's logs are read-only

# What a flow that acts for a user may get for the management audience, as Auth0 allows: the user's
# own profile and metadata, nothing administrative. Any other requested scope is dropped.
CURRENT_USER_SCOPES = frozenset(
    {
        "read:current_user",
        "update:current_user_identities",
        "create:current_user_metadata",
        "update:current_user_metadata",
        "delete:current_user_metadata",
        "create:current_user_device_credentials",
        "delete:current_user_device_credentials",
    }
)
