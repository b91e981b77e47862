"""Fields of Auth0's Management API schemas that Authport stores and returns but does not act on.

SPEC section 5: such a field is kept as given, so that what Auth0's tools (the Deploy CLI, the
SDKs) export re-imports; a field outside Auth0's schema is still 400. Taken from the request
bodies of `PATCH tenants/settings`, `POST/PATCH clients` and `POST/PATCH resource-servers` in
Auth0's generated SDKs (auth0-python 5). The value is the JSON type checked on input, or None
where the schema takes an enum or a union (any JSON value is kept).
"""

_O, _A, _B, _I, _S = "object", "array", "boolean", "integer", "string"

# Less the session lifetimes, which Authport acts on (tenants.api.serializers).
TENANT_SETTINGS = {
    "change_password": _O,
    "device_flow": _O,
    "guardian_mfa_page": _O,
    "default_directory": _S,
    "error_page": _O,
    "default_token_quota": _O,
    "flags": _O,
    "picture_url": _S,
    "support_email": _S,
    "support_url": _S,
    "allowed_logout_urls": _A,
    "ephemeral_session_lifetime": _I,
    "idle_ephemeral_session_lifetime": _I,
    "ephemeral_session_lifetime_in_minutes": _I,
    "idle_ephemeral_session_lifetime_in_minutes": _I,
    "sandbox_version": _S,
    "legacy_sandbox_version": _S,
    "default_redirection_uri": _S,
    "enabled_locales": _A,
    "access_token": _O,
    "security_headers": _O,
    "session_cookie": _O,
    "sessions": _O,
    "oidc_logout": _O,
    "customize_mfa_in_postlogin_action": _B,
    "allow_organization_name_in_authentication_api": _B,
    "acr_values_supported": _A,
    "mtls": _O,
    "pushed_authorization_requests_supported": _B,
    "authorization_response_iss_parameter_supported": _B,
    "dpop_strict_refresh_token_binding": _B,
    "skip_non_verifiable_callback_uri_confirmation_prompt": _B,
    "resource_parameter_profile": None,
    "client_id_metadata_document_supported": _B,
    "client_id_metadata_document_dynamic_registration_supported": _B,
    "enable_ai_guide": _B,
    "phone_consolidated_experience": _B,
    "include_session_metadata_in_tenant_logs": _B,
    "dynamic_client_registration_security_mode": None,
    "country_codes": _O,
}

CLIENT = {
    "logo_uri": _S,
    "oidc_logout": _O,
    "oidc_backchannel_logout": _O,
    "session_transfer": _O,
    "client_aliases": _A,
    "allowed_clients": _A,
    "is_token_endpoint_ip_header_trusted": _B,
    "oidc_conformant": _B,
    "encryption_key": _O,
    "sso": _B,
    "cross_origin_authentication": _B,
    "cross_origin_auth": _B,  # its deprecated name, still in Auth0's answers and exports
    "cross_origin_loc": _S,
    "sso_disabled": _B,
    "custom_login_page_on": _B,
    "custom_login_page": _S,
    "custom_login_page_preview": _S,
    "form_template": _S,
    "addons": _O,
    "client_metadata": _O,
    "mobile": _O,
    "initiate_login_uri": _S,
    "native_social_login": _O,
    "fedcm_login": _O,
    "default_organization": _O,
    "organization_usage": None,
    "organization_require_behavior": None,
    "organization_discovery_methods": _A,
    "client_authentication_methods": _O,
    "require_pushed_authorization_requests": _B,
    "require_proof_of_possession": _B,
    "signed_request_object": _O,
    "token_vault_privileged_access": _O,
    "compliance_level": None,
    "skip_non_verifiable_callback_uri_confirmation_prompt": _B,
    "token_exchange": _O,
    "par_request_expiry": _I,
    "token_quota": _O,
    "resource_server_identifier": _S,
    "identity_assertion_authorization_grant": _O,
    "anonymous_sessions": _O,
    "enforce_anon_session_transfer_network_binding": None,
    "third_party_security_mode": None,
    "redirection_policy": None,
    "express_configuration": _O,
    "my_organization_configuration": _O,
    "async_approval_notification_channels": _A,
    "oidc_support": _O,
    # Read-only in Auth0's answers, but the Deploy CLI's exports carry them.
    "callback_url_template": _B,
}

CLIENT_JWT_CONFIGURATION = {"secret_encoded": _B, "scopes": _O}

# ClientRefreshTokenConfiguration less `leeway`, which Authport acts on (clients.api.serializers).
CLIENT_REFRESH_TOKEN = {
    "rotation_type": None,
    "expiration_type": None,
    "token_lifetime": _I,
    "infinite_token_lifetime": _B,
    "idle_token_lifetime": _I,
    "infinite_idle_token_lifetime": _B,
    "policies": _A,
}

CLIENT_GRANT_UPDATE = {
    "organization_usage": None,
    "allow_any_organization": _B,
    "authorization_details_types": _A,
    "allow_all_scopes": _B,
}

CLIENT_GRANT = {**CLIENT_GRANT_UPDATE, "default_for": None, "subject_type": None}

RESOURCE_SERVER = {
    "allow_online_access": _B,
    "allow_online_access_with_ephemeral_sessions": _B,
    "token_lifetime_for_anonymous_access_tokens": _I,
    "access_token": _O,
    "token_encryption": _O,
    "consent_policy": None,
    "require_consent_non_repudiation": _B,
    "authorization_details": _A,
    "proof_of_possession": _O,
    "subject_type_authorization": _O,
    "authorization_policy": _O,
}
