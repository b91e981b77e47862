"""What the admin tests post and read back: action bodies and flashed messages."""

from django.contrib.messages import get_messages


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def action_body(name: str, *pks, **extra) -> dict:
    """The POST body of a changelist action on the rows `pks`."""
    return {"action": name, "_selected_action": [str(pk) for pk in pks], "index": "0", **extra}
