"""What a browser posts back from an action's confirmation page: the fields of its confirmation form."""

from html.parser import HTMLParser

from django.contrib.messages import get_messages

FORM_ID = "confirmation-form"


class _ConfirmationForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.inside = False
        self.fields: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == FORM_ID:
            self.found = self.inside = True
        elif tag == "input" and self.inside and attrs.get("name") and attrs.get("type") != "submit":
            self.fields.setdefault(attrs["name"], []).append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def confirmation_fields(response) -> dict[str, list[str]] | None:
    """The confirmation form's inputs (hidden ones and the grace box), or None when the page has none."""
    parser = _ConfirmationForm()
    parser.feed(response.content.decode())
    return parser.fields if parser.found else None


def confirming_body(response, **overrides) -> dict[str, list[str]]:
    """The body of pressing "Yes" on the confirmation page `response`, with `overrides` typed in."""
    fields = confirmation_fields(response)
    assert fields is not None, "the page has no confirmation form"
    fields.pop("csrfmiddlewaretoken", None)  # the test client does not enforce CSRF
    return {**fields, **{name: [value] for name, value in overrides.items()}}


def leveled_messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]
