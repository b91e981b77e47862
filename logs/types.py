"""Auth0's log event type codes that Authport records, with Auth0's descriptions (SPEC section 9)."""

TYPE_NAMES = {
    "seccft": "Success Exchange (Client Credentials for Access Token)",
    "feccft": "Failed Exchange (Client Credentials for Access Token)",
    "sepft": "Success Exchange (Password for Access Token)",
    "fepft": "Failed Exchange (Password for Access Token)",
    "seacft": "Success Exchange (Authorization Code for Access Token)",
    "feacft": "Failed Exchange (Authorization Code for Access Token)",
    "sertft": "Success Exchange (Refresh Token for Access Token)",
    "fertft": "Failed Exchange (Refresh Token for Access Token)",
    "s": "Success Login",
    "f": "Failed Login",
    "fp": "Failed Login (Incorrect Password)",
    "fu": "Failed Login (Invalid Email/Username)",
    "ssa": "Success Silent Auth",
    "fsa": "Failed Silent Auth",
    "slo": "Success Logout",
    "flo": "Failed Logout",
    "limit_wc": "Blocked Account",
    "sapi": "Success API Operation",
    "fapi": "Failed API Operation",
}
