"""How /authorize answers: a redirect (query or fragment), an auto-posting form (form_post), a page
that posts to the opener or parent frame (web_message), or Authport's own error page.

Every page forbids framing (X-Frame-Options DENY, CSP frame-ancestors 'none') except the
web_message page, which only the client's registered web origins may frame (SPEC section 1).
"""

import secrets
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import render

from tokens.browser.authorize import Target, origin_of
from tokens.responses import no_store

PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _keep_opener(response):
    # Auth0's SDKs log in in a popup too (loginWithPopup): the web_message page posts to
    # window.opener, which Django's default COOP (same-origin) would sever.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


def page(request, template: str, context: dict, *, status: int = 200):
    """An HTML page of Authport's own: never cached, never framed."""
    response = render(request, template, context, status=status)
    response["Content-Security-Policy"] = PAGE_CSP
    response["Referrer-Policy"] = "same-origin"  # keeps the Origin header of the login form's POST
    return _keep_opener(no_store(response))


def error_page(request, message: str, *, status: int = 400):
    """An error that must not go to the client: the redirect_uri itself is not trustworthy."""
    return page(request, "tokens/error.html", {"message": message}, status=status)


def _redirect(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"  # keep codes and tokens out of Referer headers
    return no_store(response)


def _script_page(request, template: str, context: dict, *, frame_ancestors: str):
    nonce = secrets.token_urlsafe(16)
    response = render(request, template, {**context, "csp_nonce": nonce})
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
        f"frame-ancestors {frame_ancestors}"
    )
    # Not no-referrer: with it, browsers send "Origin: null" on the form's POST, which CSRF checks refuse.
    response["Referrer-Policy"] = "same-origin"
    return _keep_opener(no_store(response))


def authorize_respond(request, target: Target, params: dict[str, str]):
    """Deliver response (or error) parameters to the client through its response mode."""
    mode = target.response_mode
    uri = target.redirect_uri
    if mode == "query":
        return _redirect(uri + ("&" if "?" in uri else "?") + urlencode(params))
    if mode == "fragment":
        return _redirect(uri + "#" + urlencode(params))
    if mode == "form_post":
        return _script_page(
            request,
            "tokens/form_post.html",
            {"action": uri, "fields": sorted(params.items())},
            frame_ancestors="'none'",
        )
    # web_message: what Auth0's SDKs wait for in their hidden iframe or popup.
    origins = sorted({o.rstrip("/") for o in target.client.web_origins or []})
    response = _script_page(
        request,
        "tokens/web_message.html",
        {
            "message": {"type": "authorization_response", "response": params},
            "target_origin": origin_of(uri),
        },
        frame_ancestors=" ".join(origins),
    )
    response.xframe_options_exempt = True  # framing is governed by the CSP's frame-ancestors above
    return response


def authorize_error(request, target: Target, error) -> object:
    """An RFC 6749 section 4.1.2.1 error response, with the request's state."""
    params = {"error": error.code, "error_description": error.message}
    if target.state is not None:
        params["state"] = target.state
    return authorize_respond(request, target, params)
