"""Secrets fail closed (SPEC section 8): no built-in key or secret ever stands in, DEBUG or not.

Each case starts `manage.py check` with the deployed settings and a crafted environment, as an
operator's process starts, and reads what the operator sees: the exit code and stderr.
"""

import pytest

from tests.security.boot import PROPER_SECRET_KEY, fernet_key, manage

KEYS = "AUTHPORT_KEY_ENCRYPTION_KEYS"


def check(**variables):
    variables.setdefault("SECRET_KEY", PROPER_SECRET_KEY)
    variables.setdefault(KEYS, fernet_key())
    return manage("check", **variables)


def test_proper_secrets_start():
    # when
    done = check(SECRET_KEY=PROPER_SECRET_KEY, AUTHPORT_KEY_ENCRYPTION_KEYS=f"{fernet_key()},{fernet_key()}")
    # then
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize("debug", ["true", "false"])
def test_missing_encryption_keys_refuse_to_start_even_in_debug(debug):
    # when: DEBUG used to encrypt every private key with a public built-in key instead
    done = check(DEBUG=debug, AUTHPORT_KEY_ENCRYPTION_KEYS=None)
    # then
    assert done.returncode != 0
    assert KEYS in done.stderr


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(",", id="only-a-comma"),
        pytest.param(" , ", id="blank-entries"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize("debug", ["true", "false"])
def test_a_key_list_without_a_key_refuses_to_start(keys, debug):
    # when: "," used to mean "no key", and then the built-in key
    done = check(DEBUG=debug, AUTHPORT_KEY_ENCRYPTION_KEYS=keys)
    # then
    assert done.returncode != 0
    assert KEYS in done.stderr


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("my-secret-passphrase-not-a-fernet-key", id="passphrase"),
        pytest.param("c2hvcnQ=", id="base64-but-8-bytes"),
    ],
)
@pytest.mark.parametrize("position", ["alone", "after-a-good-key", "before-a-good-key"])
def test_an_entry_that_is_not_a_fernet_key_refuses_to_start_without_echoing_it(bad, position):
    # given
    good = fernet_key()
    keys = {"alone": bad, "after-a-good-key": f"{good},{bad}", "before-a-good-key": f"{bad},{good}"}[position]
    # when
    done = check(AUTHPORT_KEY_ENCRYPTION_KEYS=keys)
    # then
    assert done.returncode != 0
    assert KEYS in done.stderr
    assert bad not in done.stderr + done.stdout
    assert good not in done.stderr + done.stdout


@pytest.mark.parametrize("debug", ["true", "false"])
def test_missing_secret_key_refuses_to_start_even_in_debug(debug):
    # when: DEBUG used to fall back to a built-in SECRET_KEY, which keys every client-secret hash
    done = check(DEBUG=debug, SECRET_KEY=None)
    # then
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


@pytest.mark.parametrize("blank", [" ", "\t  "])
@pytest.mark.parametrize("debug", ["true", "false"])
def test_a_blank_secret_key_refuses_to_start(blank, debug):
    # when
    done = check(DEBUG=debug, SECRET_KEY=blank)
    # then
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_a_short_secret_key_refuses_to_start_without_debug():
    # given: 31 characters, padded with spaces that do not count
    short = "0123456789abcdefghijklmnopqrstu"
    # when
    done = check(SECRET_KEY=f"  {short}  ")
    # then
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
    assert "32" in done.stderr
    assert short not in done.stderr + done.stdout


def test_a_short_secret_key_is_enough_for_debug():
    # when
    done = check(DEBUG="true", SECRET_KEY="local")
    # then
    assert done.returncode == 0, done.stderr


def test_a_32_character_secret_key_starts():
    # when
    done = check(SECRET_KEY="0123456789abcdefghijklmnopqrstuv")
    # then
    assert done.returncode == 0, done.stderr
