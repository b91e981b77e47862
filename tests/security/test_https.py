"""HTTPS deployments (PUBLIC_URL https://...): HSTS, secure cookies, http redirected except the probes.

An attacker on the network path strips TLS from a user's first plain-http request; HSTS tells the
browser never to make one again. Each case starts the deployed settings in a fresh process.
"""

import pytest

from tests.security.boot import PROPER_SECRET_KEY, fernet_key, manage, requests, settings_of

HTTPS_URL = "https://auth.example.com"
ONE_YEAR = 31_536_000


@pytest.fixture
def deployed(tmp_path):
    """The environment of a proper deployment; probes that touch the database get a throwaway one."""

    def variables(**overrides):
        return {
            "SECRET_KEY": PROPER_SECRET_KEY,
            "AUTHPORT_KEY_ENCRYPTION_KEYS": fernet_key(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PUBLIC_URL": HTTPS_URL,
            **overrides,
        }

    return variables


def test_check_deploy_finds_no_issue_with_an_https_public_url(deployed):
    # when
    done = manage("check", "--deploy", "--fail-level", "WARNING", **deployed())
    # then
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (1 silenced)" in done.stdout  # security.W021, below
    assert "WARNINGS" not in done.stdout + done.stderr


def test_https_responses_carry_hsts_for_a_year_with_subdomains(deployed):
    # when
    [answer] = requests([("/healthz", True)], **deployed())
    # then
    assert answer["status"] == 200
    assert answer["hsts"] == f"max-age={ONE_YEAR}; includeSubDomains"


def test_plain_http_is_redirected_to_https(deployed):
    # when
    [admin, token] = requests([("/admin/login/", False), ("/acme/oauth/token", False)], **deployed())
    # then
    assert (admin["status"], admin["location"]) == (301, f"{HTTPS_URL}/admin/login/")
    assert (token["status"], token["location"]) == (301, f"{HTTPS_URL}/acme/oauth/token")


def test_load_balancer_probes_answer_over_plain_http(deployed):
    # when
    healthz, readyz = requests([("/healthz", False), ("/readyz", False)], **deployed())
    # then
    assert (healthz["status"], healthz["location"], healthz["hsts"]) == (200, None, None)
    assert (readyz["status"], readyz["location"], readyz["hsts"]) == (200, None, None)


@pytest.mark.parametrize(
    ("variables", "hsts"),
    [
        pytest.param({"SECURE_HSTS_SECONDS": "600"}, "max-age=600; includeSubDomains", id="seconds"),
        pytest.param({"SECURE_HSTS_INCLUDE_SUBDOMAINS": "false"}, f"max-age={ONE_YEAR}", id="no-subdomains"),
        pytest.param(
            {"SECURE_HSTS_PRELOAD": "true"}, f"max-age={ONE_YEAR}; includeSubDomains; preload", id="preload"
        ),
        pytest.param({"SECURE_HSTS_SECONDS": "0"}, None, id="disabled"),
    ],
)
def test_hsts_is_configurable(deployed, variables, hsts):
    # when
    [answer] = requests([("/healthz", True)], **deployed(**variables))
    # then
    assert answer["hsts"] == hsts


def test_the_redirect_can_be_left_to_a_proxy(deployed):
    # when
    [answer] = requests([("/api/schema/", False)], **deployed(SECURE_SSL_REDIRECT="false"))
    # then
    assert (answer["status"], answer["location"]) == (200, None)


@pytest.mark.parametrize(("preload", "silenced"), [("false", ["security.W021"]), ("true", [])])
def test_the_preload_warning_is_silenced_only_while_preload_is_off(deployed, preload, silenced):
    # when: with preload on, the operator has committed to the preload list, and Django's check applies
    values = settings_of(["SILENCED_SYSTEM_CHECKS"], **deployed(SECURE_HSTS_PRELOAD=preload))
    # then
    assert values["SILENCED_SYSTEM_CHECKS"] == silenced


def test_plain_http_public_url_sets_no_hsts_and_no_redirect(deployed):
    # when: local use over http; HSTS there would pin 127.0.0.1 to https in the browser
    [secure, plain] = requests(
        [("/healthz", True), ("/api/schema/", False)], **deployed(PUBLIC_URL="http://127.0.0.1:8000")
    )
    values = settings_of(
        ["SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"],
        **deployed(PUBLIC_URL="http://127.0.0.1:8000"),
    )
    # then
    assert secure["hsts"] is None
    assert (plain["status"], plain["location"]) == (200, None)
    assert values == {
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_https_public_url_makes_cookies_secure(deployed):
    # when
    values = settings_of(["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"], **deployed())
    # then
    assert values == {"SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True}
