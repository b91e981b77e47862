"""The admin Token debugger's two forms, and its answer made ready for the template (SPEC section 7).

The forms only parse what the page posts; the explanation itself comes from tokens.explanation.explain, the same
functions the Management API and `manage.py explain_token` call.
"""

import json

from django import forms

from clients.models import Client

# The grants a developer asks about, the common ones first.
GRANT_TYPE_CHOICES = [
    (Client.GrantType.CLIENT_CREDENTIALS, "client_credentials"),
    (Client.GrantType.PASSWORD, "password"),
    (Client.GrantType.PASSWORD_REALM, Client.GrantType.PASSWORD_REALM.value),
    (Client.GrantType.AUTHORIZATION_CODE, "authorization_code"),
    (Client.GrantType.IMPLICIT, "implicit"),
    (Client.GrantType.REFRESH_TOKEN, "refresh_token"),
]
AUDIENCE_DATALIST_ID = "token-debugger-audiences"


class TokenRequestForm(forms.Form):
    """A token request to dry-run: no secret is asked for, nothing is issued."""

    grant_type = forms.ChoiceField(choices=GRANT_TYPE_CHOICES, initial=Client.GrantType.CLIENT_CREDENTIALS)
    client_id = forms.ChoiceField(
        label="Application", error_messages={"required": "Choose the application that asks for the token."}
    )
    audience = forms.CharField(
        required=False,
        max_length=600,
        help_text="Leave empty to see what a request without audience gets.",
        widget=forms.TextInput(attrs={"list": AUDIENCE_DATALIST_ID, "size": 60, "autocomplete": "off"}),
    )
    scope = forms.CharField(
        required=False,
        max_length=2000,
        help_text="Space-separated, as in the request, e.g. openid profile read:items.",
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the tenant's own applications are offered, or accepted.
        self.fields["client_id"].choices = [("", "---------")] + [
            (c.client_id, f"{c.name} ({c.client_id})") for c in clients
        ]

    def explain_kwargs(self) -> dict:
        """The keyword arguments of explain_request, with empty fields as absent parameters."""
        data = self.cleaned_data
        return {
            "grant_type": data["grant_type"],
            "client_id": data["client_id"],
            "audience": data["audience"] or None,
            "scope": data["scope"] or None,
        }


class PresentedTokenForm(forms.Form):
    """A token someone holds (JWT or opaque), to say what it is."""

    token = forms.CharField(
        max_length=20000,
        error_messages={"required": "Paste the access token to explain."},
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80, "spellcheck": "false", "autocomplete": "off"}),
    )


def _display(value) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):  # the token endpoint's error
        return f"{value.get('status')} {value.get('error')}: {value.get('error_description')}"
    return str(value)


def _tone(outcome: dict) -> str:
    """The colour of the summary: a JWT or a token that verifies, an opaque token, or an error."""
    if outcome.get("error") or outcome.get("verifies") is False:
        return "error"
    if outcome.get("format") == "opaque":
        return "opaque"
    if outcome.get("format") == "jwt":
        return "jwt"
    return "error"


def answer_for_display(answer: dict) -> dict:
    """An explainer answer as the template shows it; summary, steps and fix pass through unchanged."""
    outcome = answer["outcome"]
    return {
        "summary": answer["summary"],
        "fix": answer["fix"],
        "steps": answer["steps"],
        "tone": _tone(outcome),
        "outcome_rows": [(name, _display(value)) for name, value in outcome.items()],
        "json": json.dumps(answer, indent=2),
    }
