"""`make soak`: Authport as a system, two hosts behind HAProxy, with faults and hostile traffic.

    .venv/bin/python soak/run.py [--mode short|full] [--out soak/results/latest-short.json]

Bounded in count and time: every loop has a fixed number of iterations and a deadline, and the
whole run is stopped by SOAK_TIMEOUT (the Makefile) whatever happens. Loopback only. Phases:

1. cross-host: a change made through one host is seen at once by the other (key rotation, HS256
   secret rotation, revocation, client grant, Default Audience); brute-force counters, SSO
   sessions, authorization codes and refresh-token reuse detection work across hosts.
2. load: mixed traffic through HAProxy (client credentials per algorithm, password, refresh) while
   keys rotate every few seconds, each JWT verified by PyJWT's PyJWKClient and by a Node
   express-oauth2-jwt-bearer API, both caching the JWKS; log events counted against requests.
3. faults: PostgreSQL stopped and restarted, Redis stopped and restarted, refresh rotations whose
   answer is lost after the commit (retried within the client's reuse interval), a gunicorn worker
   killed while refresh tokens rotate.
4. fuzz: schemathesis against /api/schema/ with a management token; hypothesis on /oauth/token and
   /authorize.

Prints one summary and writes it as JSON; exits 1 if any check failed.
"""

import argparse
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import BIN, ROOT, Stack, wait_for  # noqa: E402

MODES = {
    # rotations, seconds between them, load threads, hypothesis requests, schemathesis examples/op,
    # gunicorn workers killed while refresh tokens rotate
    "short": {
        "rotations": 10,
        "interval": 2.0,
        "threads": 4,
        "hypothesis": 1000,
        "schemathesis": 5,
        "worker_kills": 3,
        "lost_answers": 5,
    },
    "full": {
        "rotations": 100,
        "interval": 2.0,
        "threads": 4,
        "hypothesis": 10000,
        "schemathesis": 30,
        "worker_kills": 10,
        "lost_answers": 20,
    },
}
TENANT = "soak"
CALLBACK = "http://127.0.0.1:9/callback"  # never fetched: the soak reads the redirect's Location
PASSWORD = "soak-Password-1234"
EXCHANGE_TYPES = ("seccft", "feccft", "sepft", "fepft", "sertft", "fertft", "seacft", "feacft")


class Checks:
    """Named pass/fail results with a detail each; the summary lists them all."""

    def __init__(self) -> None:
        self.results: list[dict] = []
        self.lock = threading.Lock()

    def check(self, name: str, ok: bool, detail="") -> bool:
        with self.lock:
            self.results.append({"check": name, "ok": bool(ok), "detail": detail})
        print(f"  [{'ok' if ok else 'FAIL'}] {name}" + (f": {detail}" if detail != "" else ""), flush=True)
        return bool(ok)

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.results if not r["ok"]]


checks = Checks()
figures: dict = {}


class Http:
    """One base URL (HAProxy or one host), always with PUBLIC_URL's Host header."""

    def __init__(self, stack: Stack, base: str, name: str) -> None:
        self.base, self.name = base, name
        self.client = httpx.Client(
            base_url=base,
            headers={**stack.host_header, "User-Agent": name},
            timeout=30.0,
            follow_redirects=False,
        )

    def token(self, body: dict, **kw) -> httpx.Response:
        return self.client.post(f"/{TENANT}/oauth/token", data=body, **kw)

    def mgmt(self, method: str, path: str, token: str, slug: str = TENANT, **kw) -> httpx.Response:
        return self.client.request(
            method, f"/{slug}/api/v2/{path}", headers={"Authorization": f"Bearer {token}"}, **kw
        )

    def jwks(self, slug: str = TENANT) -> dict:
        return self.client.get(f"/{slug}/.well-known/jwks.json").json()


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action, self.fields, self._in = None, {}, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self._in = attrs.get("action"), True
        elif tag == "input" and self._in and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in = False


def cookie_header(*responses: httpx.Response) -> str:
    jar = {}
    for resp in responses:
        for name, value in resp.cookies.items():
            jar[name] = value
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def kids(jwks: dict) -> set[str]:
    return {k["kid"] for k in jwks.get("keys", []) if "kid" in k}


# -- setup ------------------------------------------------------------------------------------------
class Tenant:
    """What the soak registers in its tenant, through the Management API."""

    def __init__(self, stack: Stack, lb: Http) -> None:
        created = json.loads(stack.manage("create_tenant", TENANT, "--json").stdout)
        self.issuer = created["issuer"]
        self.mgmt_client = created["management_client"]
        self.lb = lb
        self.apis: dict[str, dict] = {}
        self.refresh_mgmt_token()
        for alg in ("RS256", "PS256", "ES256", "HS256"):
            resp = lb.mgmt(
                "POST",
                "resource-servers",
                self.token,
                json={
                    "identifier": f"https://{alg.lower()}.soak.test/",
                    "name": f"Soak {alg}",
                    "signing_alg": alg,
                    "allow_offline_access": True,
                    "scopes": [{"value": "read:things", "description": "read"}],
                },
            )
            assert resp.status_code == 201, resp.text
            self.apis[alg] = resp.json()
        self.m2m = self._client("m2m", "non_interactive", ["client_credentials"])
        for api in self.apis.values():
            self.grant(self.m2m, api)
        self.password_app = self._client("password", "regular_web", ["password", "refresh_token"])
        self.web = self._client(
            "web", "regular_web", ["authorization_code", "refresh_token"], callbacks=[CALLBACK]
        )
        self.users = []
        for n in range(9):
            email = f"user{n}@soak.test"
            resp = lb.mgmt(
                "POST",
                "users",
                self.token,
                json={"email": email, "password": PASSWORD, "connection": "Username-Password-Authentication"},
            )
            assert resp.status_code == 201, resp.text
            self.users.append(email)

    def refresh_mgmt_token(self, via: "Http | None" = None) -> None:
        resp = (via or self.lb).token(
            {
                "grant_type": "client_credentials",
                "client_id": self.mgmt_client["client_id"],
                "client_secret": self.mgmt_client["client_secret"],
                "audience": self.issuer + "api/v2/",
            }
        )
        assert resp.status_code == 200, resp.text
        self.token = resp.json()["access_token"]

    def _client(self, name, app_type, grants, **extra) -> dict:
        resp = self.lb.mgmt(
            "POST",
            "clients",
            self.token,
            json={"name": name, "app_type": app_type, "grant_types": grants, **extra},
        )
        assert resp.status_code == 201, resp.text
        return resp.json()

    def grant(self, client: dict, api: dict) -> dict:
        resp = self.lb.mgmt(
            "POST",
            "client-grants",
            self.token,
            json={"client_id": client["client_id"], "audience": api["identifier"], "scope": ["read:things"]},
        )
        assert resp.status_code == 201, resp.text
        return resp.json()

    def creds(self, client: dict) -> dict:
        return {"client_id": client["client_id"], "client_secret": client["client_secret"]}

    def hs256_secrets(self, via: Http) -> list[str]:
        api = via.mgmt("GET", f"resource-servers/{self.apis['HS256']['id']}", self.token).json()
        return [s for s in (api.get("signing_secret"), api.get("previous_signing_secret")) if s]


# -- verifiers --------------------------------------------------------------------------------------
class Verifiers:
    """PyJWKClient and the Node API, each caching the JWKS and refetching it for an unknown kid at
    most once per cooldown, as the libraries do.

    Keys rotate every few seconds here, so the verifiers that must never fail refetch at most every
    second (PyJWT's `cooldown_duration=1`, express-oauth2-jwt-bearer's `cooldownDuration: 1000`).
    A second PyJWKClient keeps the library's defaults (30 s cooldown, 300 s lifespan): a token whose
    key is not in its cached JWKS and that it may not refetch yet fails, and is counted apart
    ("not pre-published to it"); one whose key it holds must verify.
    """

    def __init__(self, stack: Stack, tenant: Tenant, node: bool) -> None:
        self.tenant = tenant
        self.jwks_url = f"{stack.public_url}/{TENANT}/.well-known/jwks.json"
        self.pyjwk = jwt.PyJWKClient(self.jwks_url, cooldown_duration=1.0, headers={"User-Agent": "pyjwk"})
        self.pyjwk_default = jwt.PyJWKClient(self.jwks_url, headers={"User-Agent": "pyjwk-default"})
        self.node = f"http://127.0.0.4:{stack.node_port}" if node else None
        self.hs_secrets = tenant.hs256_secrets(tenant.lb)
        self.lock = threading.Lock()
        self.counts = Counter()

    def verify(self, token: str, alg: str) -> bool:
        audience = self.tenant.apis[alg]["identifier"]
        ok = True
        if alg == "HS256":
            ok = self._hs256(token, audience)
        else:
            try:
                key = self.pyjwk.get_signing_key_from_jwt(token)
                jwt.decode(token, key.key, algorithms=[alg], audience=audience, issuer=self.tenant.issuer)
                self._count("pyjwk_ok")
            except jwt.PyJWTError as exc:
                self._count("pyjwk_fail")
                self._count(f"pyjwk_fail:{str(exc)[:60]}")
                ok = False
            self._default_client(token, alg, audience)
            if self.node:
                resp = httpx.get(
                    f"{self.node}/{alg.lower()}", headers={"Authorization": f"Bearer {token}"}, timeout=10
                )
                if resp.status_code == 200:
                    self._count("node_ok")
                else:
                    self._count("node_fail")
                    self._count(f"node_fail:{resp.text[:80]}")
                    ok = False
        return ok

    def _default_client(self, token: str, alg: str, audience: str) -> None:
        kid = jwt.get_unverified_header(token).get("kid")
        cached = self.pyjwk_default.jwk_set_cache.get() if self.pyjwk_default.jwk_set_cache else None
        held = cached is not None and any(k.key_id == kid for k in cached.keys)
        try:
            key = self.pyjwk_default.get_signing_key_from_jwt(token)
            jwt.decode(token, key.key, algorithms=[alg], audience=audience, issuer=self.tenant.issuer)
            self._count("pyjwk_default_ok")
        except jwt.PyJWTError:
            self._count("pyjwk_default_fail_key_held" if held else "pyjwk_default_fail_key_not_in_its_cache")

    def _hs256(self, token: str, audience: str) -> bool:
        # An API holds the current secret and the previous one; after a rotation it fetches them again.
        for attempt in range(2):
            for secret in list(self.hs_secrets):
                try:
                    jwt.decode(
                        token, secret, algorithms=["HS256"], audience=audience, issuer=self.tenant.issuer
                    )
                    self._count("hs256_ok")
                    return True
                except jwt.InvalidSignatureError:
                    continue
                except jwt.PyJWTError:
                    break
            if attempt == 0:
                self.hs_secrets = self.tenant.hs256_secrets(self.tenant.lb)
        self._count("hs256_fail")
        return False

    def _count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1


# -- phase 1: cross-host ----------------------------------------------------------------------------
def cc_token(via: Http, tenant: Tenant, alg: str | None, client: dict | None = None) -> httpx.Response:
    body = {"grant_type": "client_credentials", **tenant.creds(client or tenant.m2m)}
    if alg:
        body["audience"] = tenant.apis[alg]["identifier"]
    return via.token(body)


def password_refresh_token(tenant: Tenant, via: Http, user: str) -> str:
    resp = via.token(
        {
            "grant_type": "password",
            "username": user,
            "password": PASSWORD,
            "scope": "offline_access",
            "audience": tenant.apis["RS256"]["identifier"],
            **tenant.creds(tenant.password_app),
        }
    )
    return resp.json().get("refresh_token", "")


def phase_cross_host(stack: Stack, tenant: Tenant, a: Http, b: Http) -> None:
    print("== cross-host: a change through one host is seen by the other at once", flush=True)
    # Key rotation through A: B signs with the new key at once and publishes it.
    b.jwks()  # B has the JWKS in its cache
    rotated = a.mgmt("POST", "keys/signing/rotate", tenant.token)
    keys = b.mgmt("GET", "keys/signing", tenant.token).json()
    current = {k["kid"] for k in keys if k.get("current")}
    token = cc_token(b, tenant, "RS256").json()["access_token"]
    kid = jwt.get_unverified_header(token)["kid"]
    checks.check(
        "key rotation through A: B signs with the new current key and its JWKS publishes it",
        rotated.status_code == 201 and kid in current and kid in kids(b.jwks()),
        f"kid {kid[:12]}",
    )
    # Revocation through B: A's JWKS drops the key at once.
    previous = [k["kid"] for k in keys if k.get("previous") and not k.get("revoked")]
    revoked = b.mgmt("PUT", f"keys/signing/{previous[0]}/revoke", tenant.token)
    checks.check(
        "key revocation through B: A's JWKS no longer publishes it",
        revoked.status_code == 200 and previous[0] not in kids(a.jwks()),
        f"{revoked.status_code}",
    )
    # HS256 secret rotation through A (its command): B signs with the new secret at once.
    hs = tenant.apis["HS256"]
    stack.manage("rotate_api_secret", "--tenant", TENANT, "--api", hs["identifier"], "--grace", "3600")
    new_secret = tenant.hs256_secrets(a)[0]
    token = cc_token(b, tenant, "HS256").json()["access_token"]
    try:
        jwt.decode(token, new_secret, algorithms=["HS256"], audience=hs["identifier"])
        ok = True
    except jwt.PyJWTError:
        ok = False
    checks.check("HS256 secret rotated on A: B's next token is signed with the new secret", ok)
    # Client grant deleted through A: B refuses the client at once.
    extra = tenant._client("grant-change", "non_interactive", ["client_credentials"])
    grant = tenant.grant(extra, tenant.apis["ES256"])
    before = cc_token(b, tenant, "ES256", extra).status_code
    a.mgmt("DELETE", f"client-grants/{grant['id']}", tenant.token)
    after = cc_token(b, tenant, "ES256", extra)
    checks.check(
        "client grant deleted through A: B refuses the client at once",
        before == 200 and after.status_code == 403 and after.json()["error"] == "access_denied",
        f"{before} then {after.status_code}",
    )
    # Default Audience set through B: A uses it at once.
    b.mgmt(
        "PATCH",
        "tenants/settings",
        tenant.token,
        json={"default_audience": tenant.apis["PS256"]["identifier"]},
    )
    token = cc_token(a, tenant, None).json().get("access_token", "")
    aud = jwt.decode(token, options={"verify_signature": False}).get("aud") if token else None
    b.mgmt("PATCH", "tenants/settings", tenant.token, json={"default_audience": ""})
    checks.check(
        "Default Audience set through B: A issues for it at once",
        aud == tenant.apis["PS256"]["identifier"],
        f"aud {aud}",
    )

    # Brute force: failures alternate between the hosts; the 11th attempt is blocked on either.
    victim = tenant.users[-1]
    forwarded = {"X-Forwarded-For": "203.0.113.77"}
    statuses = []
    for n in range(10):
        via = (a, b)[n % 2]
        body = {
            "grant_type": "password",
            "username": victim,
            "password": f"wrong-{n}",
            **tenant.creds(tenant.password_app),
        }
        statuses.append(via.token(body, headers=forwarded).status_code)
    right = {
        "grant_type": "password",
        "username": victim,
        "password": PASSWORD,
        **tenant.creds(tenant.password_app),
    }
    blocked_a, blocked_b = a.token(right, headers=forwarded), b.token(right, headers=forwarded)
    checks.check(
        "brute force: 10 failures split over both hosts block the account on both",
        statuses == [400] * 10 and blocked_a.status_code == 429 and blocked_b.status_code == 429,
        f"{Counter(statuses)}, then {blocked_a.status_code}/{blocked_b.status_code}",
    )

    # SSO session and code: log in on A, silent authentication on B, the code exchanged on A.
    params = {
        "client_id": tenant.web["client_id"],
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "scope": "openid offline_access",
        "audience": tenant.apis["RS256"]["identifier"],
        "state": "s1",
    }
    page = a.client.get(f"/{TENANT}/authorize?{urlencode(params)}")
    form = FormParser()
    form.feed(page.text)
    login = a.client.post(
        form.action,
        data={**form.fields, "email": tenant.users[0], "password": PASSWORD},
        headers={"Cookie": cookie_header(page)},
    )
    sso_cookie = cookie_header(login)
    silent = b.client.get(
        f"/{TENANT}/authorize?{urlencode({**params, 'prompt': 'none', 'state': 's2'})}",
        headers={"Cookie": sso_cookie},
    )
    code = parse_qs(urlsplit(silent.headers.get("location", "")).query).get("code", [""])[0]
    checks.check(
        "SSO: signed in on A, silent authentication (prompt=none) on B returns a code",
        login.status_code == 302 and silent.status_code == 302 and bool(code),
        f"login {login.status_code}, silent {silent.status_code}",
    )
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        **tenant.creds(tenant.web),
    }
    first, replay = a.token(exchange), b.token(exchange)
    checks.check(
        "authorization code from B exchanged on A; a replay on B is refused",
        first.status_code == 200
        and replay.status_code == 400
        and replay.json().get("error") == "invalid_grant",
        f"{first.status_code} then {replay.status_code}",
    )
    # Refresh-token reuse: rotate on B, replay the old one on A, the family is revoked on both. (Not
    # the code's refresh token: the replay above revoked it, as a code replay must.)
    body = {"grant_type": "refresh_token", **tenant.creds(tenant.password_app)}
    refresh = password_refresh_token(tenant, a, tenant.users[3])
    rotated = b.token({**body, "refresh_token": refresh})
    newer = rotated.json().get("refresh_token", "")
    reuse = a.token({**body, "refresh_token": refresh})
    family_gone = b.token({**body, "refresh_token": newer})
    checks.check(
        "refresh reuse: rotated on B, the old token replayed on A revokes the family on both",
        rotated.status_code == 200 and reuse.status_code == 400 and family_gone.status_code == 400,
        f"{rotated.status_code}, {reuse.status_code}, {family_gone.status_code}",
    )
    # Revocation (RFC 7009) through A, refresh refused on B.
    rt = password_refresh_token(tenant, tenant.lb, tenant.users[1])
    a.client.post(f"/{TENANT}/oauth/revoke", data={"token": rt, **tenant.creds(tenant.password_app)})
    after = b.token({"grant_type": "refresh_token", "refresh_token": rt, **tenant.creds(tenant.password_app)})
    checks.check(
        "refresh token revoked through A: B refuses it at once",
        bool(rt) and after.status_code == 400,
        f"{after.status_code}",
    )


# -- phase 2: rotation under load -------------------------------------------------------------------
class Load:
    def __init__(self, stack: Stack, tenant: Tenant, verifiers: Verifiers, deadline: float) -> None:
        self.stack, self.tenant, self.verifiers, self.deadline = stack, tenant, verifiers, deadline
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.by_kind = Counter()
        self.served_by = Counter()
        self.token_requests = Counter()  # per host, from X-Served-By
        self.verify_failures = 0
        self.five_xx: list[str] = []
        self.samples: dict[str, str] = {}  # kid -> a token it signed

    def worker(self, n: int) -> None:
        lb = Http(self.stack, self.stack.public_url, f"load-{n}")
        rng = random.Random(n)
        refresh = None
        user = self.tenant.users[n % (len(self.tenant.users) - 1)]
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            roll = rng.random()
            if roll < 0.06 or (refresh is None and roll < 0.1):
                kind, alg = "password", "RS256"
                body = {
                    "grant_type": "password",
                    "username": user,
                    "password": PASSWORD,
                    "scope": "offline_access",
                    "audience": self.tenant.apis[alg]["identifier"],
                    **self.tenant.creds(self.tenant.password_app),
                }
            elif roll < 0.25 and refresh:
                kind, alg = "refresh", "RS256"
                body = {
                    "grant_type": "refresh_token",
                    "refresh_token": refresh,
                    **self.tenant.creds(self.tenant.password_app),
                }
            else:
                alg = rng.choice(("RS256", "PS256", "ES256", "HS256"))
                kind = f"cc_{alg}"
                body = {
                    "grant_type": "client_credentials",
                    "audience": self.tenant.apis[alg]["identifier"],
                    **self.tenant.creds(self.tenant.m2m),
                }
            try:
                resp = lb.token(body)
            except httpx.HTTPError as exc:
                self._record(kind, 0, "", f"{kind}: {type(exc).__name__}")
                continue
            self._record(
                kind,
                resp.status_code,
                resp.headers.get("x-served-by", ""),
                resp.text[:200] if resp.status_code >= 500 else None,
            )
            if resp.status_code != 200:
                if kind == "refresh":
                    refresh = None
                continue
            data = resp.json()
            if "refresh_token" in data:
                refresh = data["refresh_token"]
            token = data["access_token"]
            if not self.verifiers.verify(token, alg):
                with self.lock:
                    self.verify_failures += 1
            if alg != "HS256":
                kid = jwt.get_unverified_header(token)["kid"]
                self.samples.setdefault(kid, token)

    def _record(self, kind: str, status: int, host: str, error: str | None) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.by_kind[kind] += 1
            if host:
                self.token_requests[host] += 1
            if status >= 500 or status == 0:
                self.five_xx.append(error or str(status))


def phase_load(stack: Stack, tenant: Tenant, verifiers: Verifiers, mode: dict) -> None:
    rotations, interval = mode["rotations"], mode["interval"]
    print(f"== load: mixed traffic while keys rotate {rotations} times, every {interval} s", flush=True)
    duration = rotations * interval + 3
    started_at = time.time()
    load = Load(stack, tenant, verifiers, time.monotonic() + duration + 30)
    threads = [threading.Thread(target=load.worker, args=(n,), daemon=True) for n in range(mode["threads"])]
    for t in threads:
        t.start()
    # Direct to each host, named apart: their requests are not the load's (the log count below).
    hosts = [Http(stack, h.base, f"rotator-{h.name}") for h in stack.hosts]
    not_prepublished = 0
    revoked_checked = revoked_failed = previous_checked = previous_failed = 0
    hs_rotations = 0
    retired: list[str] = []
    for r in range(rotations):
        time.sleep(interval)
        via = hosts[r % 2]
        published = kids(via.jwks())
        tenant.refresh_mgmt_token(via)  # the previous token's key may be revoked below
        resp = via.mgmt("POST", "keys/signing/rotate", tenant.token)
        if resp.status_code != 201:
            checks.check(f"rotation {r + 1}", False, resp.text[:200])
            continue
        keys = hosts[(r + 1) % 2].mgmt("GET", "keys/signing", tenant.token).json()
        not_prepublished += sum(1 for k in keys if k.get("current") and k["kid"] not in published)
        # Every previous key still verifies (with a fresh JWKS) until revoked; then its tokens fail.
        fresh = jwt.PyJWKClient(verifiers.jwks_url, cache_jwk_set=False)
        previous = [k["kid"] for k in keys if k.get("previous") and not k.get("revoked")]
        for kid in previous:
            sample = load.samples.get(kid)
            if sample:
                previous_checked += 1
                try:
                    fresh.get_signing_key_from_jwt(sample)
                except jwt.PyJWTError:
                    previous_failed += 1
        # Revoke keys that stopped signing two rotations ago (no token of theirs is still in flight).
        for kid in retired:
            revoked = hosts[r % 2].mgmt("PUT", f"keys/signing/{kid}/revoke", tenant.token)
            sample = load.samples.get(kid)
            if revoked.status_code == 200 and sample:
                revoked_checked += 1
                try:
                    jwt.PyJWKClient(verifiers.jwks_url, cache_jwk_set=False).get_signing_key_from_jwt(sample)
                    revoked_failed += 1  # still verifies: the revocation did not take
                except jwt.PyJWKClientError:
                    pass
        retired = [kid for kid in previous if kid not in retired]
        retired = retired if r % 3 == 2 else []
        if r % 10 == 9:  # an HS256 secret rotation now and then, through the other host's command
            stack.manage(
                "rotate_api_secret",
                "--tenant",
                TENANT,
                "--api",
                tenant.apis["HS256"]["identifier"],
                "--grace",
                "3600",
            )
            hs_rotations += 1
    time.sleep(1)
    load.stop.set()
    for t in threads:
        t.join(timeout=60)
    ended_at = time.time()
    served = sum(load.statuses.values())
    figures["load"] = {
        "seconds": round(ended_at - started_at, 1),
        "token_requests": served,
        "by_kind": dict(load.by_kind),
        "statuses": {str(k): v for k, v in load.statuses.items()},
        "served_by": dict(load.token_requests),
        "rotations": rotations,
        "hs256_secret_rotations": hs_rotations,
        "verifications": dict(verifiers.counts),
        "verification_failures": load.verify_failures,
        "current_keys_not_prepublished": not_prepublished,
        "previous_keys_checked": previous_checked,
        "revoked_keys_checked": revoked_checked,
    }
    checks.check(
        "load: zero 5xx", not load.five_xx, f"{served} token requests, 5xx/errors: {load.five_xx[:3]}"
    )
    checks.check("load: both hosts served traffic", len(load.token_requests) == 2, dict(load.token_requests))
    checks.check(
        "load: zero verification failures (PyJWKClient, Node, HS256)",
        load.verify_failures == 0,
        dict(verifiers.counts),
    )
    checks.check(
        "load: every new current key had been published as next",
        not_prepublished == 0,
        f"{rotations} rotations",
    )
    checks.check(
        "load: previous keys verify until revoked",
        previous_failed == 0 and previous_checked > 0,
        f"{previous_checked} checked",
    )
    checks.check(
        "load: revoked keys stop verifying",
        revoked_failed == 0 and revoked_checked > 0,
        f"{revoked_checked} revoked and checked",
    )
    # Log events: every token request through HAProxy is one event, recorded by the host that served it.
    figures["load"]["log_events"] = count_events(stack, started_at, ended_at, load.token_requests)


def count_events(stack: Stack, since: float, until: float, expected: Counter) -> dict:
    """Events of the soak tenant recorded in [since, until], per host (User-Agent), once the writer
    threads drained: polled until the count stops growing."""
    sql = (
        "SELECT user_agent, COUNT(*) FROM logs_logevent e JOIN tenants_tenant t ON t.id = e.tenant_id "
        "WHERE t.slug = %s AND e.type = ANY(%s) AND e.date >= to_timestamp(%s) AND e.date <= to_timestamp(%s) "
        "AND user_agent = ANY(%s) GROUP BY user_agent"
    )
    hosts = [h.name for h in stack.hosts]
    last, counts = None, {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with stack.pg_connect() as conn:
            counts = dict(
                conn.execute(sql, [TENANT, list(EXCHANGE_TYPES), since, until + 5, hosts]).fetchall()
            )
        if counts == last and sum(counts.values()) >= sum(expected.values()):
            break
        last = counts
        time.sleep(1)
    result = {
        "recorded": counts,
        "requests": dict(expected),
        "lost": sum(expected.values()) - sum(counts.values()),
    }
    checks.check(
        "logs: events from both hosts in one store, none lost",
        all(counts.get(h, 0) == expected.get(h, 0) for h in hosts) and len(counts) == 2,
        f"recorded {counts} vs requests {dict(expected)}",
    )
    return result


# -- phase 3: faults --------------------------------------------------------------------------------
def probe(stack: Stack, tenant: Tenant, via: Http) -> dict:
    """One request of each kind; the status and whether the body is the protocol's JSON shape."""
    out = {}
    for name, call in (
        ("readyz", lambda: via.client.get("/readyz")),
        ("token", lambda: cc_token(via, tenant, "RS256")),
        ("jwks", lambda: via.client.get(f"/{TENANT}/.well-known/jwks.json")),
        ("management", lambda: via.mgmt("GET", "resource-servers", tenant.token)),
    ):
        try:
            resp = call()
        except httpx.HTTPError as exc:
            out[name] = (0, type(exc).__name__)
            continue
        shape = "html"
        try:
            body = resp.json()
            if "statusCode" in body and "errorCode" in body:
                shape = "auth0"
            elif "error" in body and "error_description" in body:
                shape = "rfc6749"
            else:
                shape = "json"
        except ValueError:
            pass
        out[name] = (resp.status_code, shape)
    return out


def pids_alive(stack: Stack) -> bool:
    return all(h.process.poll() is None and h.worker_pids() for h in stack.hosts)


def phase_faults(stack: Stack, tenant: Tenant, mode: dict) -> None:
    print("== faults: PostgreSQL down, Redis down, a worker killed mid-request", flush=True)
    hosts = [Http(stack, h.base, h.name) for h in stack.hosts]
    pids_before = [h.process.pid for h in stack.hosts]
    faults = figures.setdefault("faults", {})

    # PostgreSQL stopped: /readyz 503, token and management 503 in their JSON; JWKS from the cache.
    stopped = time.monotonic()
    stack.pg_stop()
    seen: Counter = Counter()
    bad = []
    for _ in range(6):
        for via in hosts:
            for name, (status, shape) in probe(stack, tenant, via).items():
                seen[f"{name}:{status}:{shape}"] += 1
                expected = {
                    "readyz": status == 503,
                    "token": status == 503 and shape == "rfc6749",
                    "jwks": (status == 200) or (status == 503 and shape == "rfc6749"),
                    "management": status == 503 and shape == "auth0",
                }[name]
                if not expected:
                    bad.append(f"{via.name} {name} {status} {shape}")
        time.sleep(0.5)
    stack.pg_start()
    restarted = time.monotonic()
    recovery = wait_for(
        "recovery after PostgreSQL",
        lambda: all(
            cc_token(h, tenant, "RS256").status_code == 200 and h.client.get("/readyz").status_code == 200
            for h in hosts
        ),
        timeout=30,
    )
    faults["postgresql"] = {
        "answers_while_down": dict(seen),
        "down_seconds": round(restarted - stopped, 1),
        "recovery_seconds_after_restart": round(recovery, 2),
    }
    checks.check(
        "PostgreSQL down: readyz 503, token 503 RFC 6749 JSON, Management API 503 Auth0 JSON, no HTML",
        not bad,
        bad[:4] or dict(seen),
    )
    checks.check(
        "PostgreSQL back: both hosts serve again without a restart",
        [h.process.pid for h in stack.hosts] == pids_before
        and all(h.process.poll() is None for h in stack.hosts),
        f"{recovery:.2f} s after the restart",
    )

    # Redis stopped: client credentials and JWKS still served; password grants fail closed (503).
    stack.redis_stop()
    cc, pw, jw = Counter(), Counter(), Counter()
    for n in range(6):
        via = hosts[n % 2]
        cc[cc_token(via, tenant, ("RS256", "HS256", "ES256")[n % 3]).status_code] += 1
        resp = via.token(
            {
                "grant_type": "password",
                "username": tenant.users[2],
                "password": PASSWORD,
                **tenant.creds(tenant.password_app),
            }
        )
        pw[
            f"{resp.status_code}:{resp.json().get('error', 'issued') if resp.headers.get('content-type', '').startswith('application/json') else 'html'}"
        ] += 1
        jw[via.client.get(f"/{TENANT}/.well-known/jwks.json").status_code] += 1
    stack.redis_start()
    recovery = wait_for(
        "recovery after Redis",
        lambda: all(
            h.token(
                {
                    "grant_type": "password",
                    "username": tenant.users[2],
                    "password": PASSWORD,
                    **tenant.creds(tenant.password_app),
                }
            ).status_code
            == 200
            for h in hosts
        ),
        timeout=30,
    )
    faults["redis"] = {
        "client_credentials": {str(k): v for k, v in cc.items()},
        "password": dict(pw),
        "jwks": {str(k): v for k, v in jw.items()},
        "recovery_seconds_after_restart": round(recovery, 2),
    }
    checks.check(
        "Redis down: client-credentials tokens and JWKS still served",
        set(cc) == {200} and set(jw) == {200},
        f"{dict(cc)}",
    )
    checks.check(
        "Redis down: password grants fail closed, 503 temporarily_unavailable",
        set(pw) == {"503:temporarily_unavailable"},
        dict(pw),
    )

    # A worker killed while refresh tokens rotate on host A: no family is left half-rotated, and with a
    # reuse interval (Auth0's refresh_token.leeway) every cut request's retry gets tokens: a rotation
    # killed before its commit rolled back, one killed after it is retried within the interval.
    host = stack.hosts[0]
    leeway = tenant.lb.mgmt(
        "PATCH",
        f"clients/{tenant.password_app['client_id']}",
        tenant.token,
        json={"refresh_token": {"rotation_type": "rotating", "expiration_type": "expiring", "leeway": 10}},
    )
    checks.check(
        "Management API: refresh_token.leeway set to 10 s on the password application",
        leeway.status_code == 200 and leeway.json().get("refresh_token", {}).get("leeway") == 10,
        f"{leeway.status_code} {leeway.text[:200] if leeway.status_code != 200 else ''}".strip(),
    )
    with stack.pg_connect() as conn:
        revoked_before = conn.execute(
            "SELECT COUNT(DISTINCT family) FROM tokens_refreshtoken WHERE revoked_at IS NOT NULL"
        ).fetchone()[0]
    lost_answers(stack, tenant, mode)
    siblings = (
        "SELECT COUNT(*) FROM (SELECT family, generation FROM tokens_refreshtoken "
        "WHERE generation > 0 GROUP BY family, generation HAVING COUNT(*) > 1) f"
    )
    with stack.pg_connect() as conn:
        siblings_before = conn.execute(siblings).fetchone()[0]
    chains = [password_refresh_token(tenant, tenant.lb, tenant.users[n % 8]) for n in range(6)]
    errors, retried_ok = 0, 0
    refused: list[str] = []
    stop = threading.Event()

    def rotate_chain(i: int) -> None:
        nonlocal errors, retried_ok
        client = Http(stack, host.base, host.name)
        for _ in range(400):
            if stop.is_set():
                return
            body = {
                "grant_type": "refresh_token",
                "refresh_token": chains[i],
                **tenant.creds(tenant.password_app),
            }
            try:
                resp = client.token(body)
            except httpx.HTTPError:
                errors += 1
                retry = retry_until_answered(client, body)
                if retry is None:
                    refused.append("no answer to 5 retries")
                    return
                if retry.status_code == 200:
                    retried_ok += 1
                    chains[i] = retry.json()["refresh_token"]
                else:  # neither rolled back nor within the interval: the family is gone
                    refused.append(f"{retry.status_code} {retry.text[:120]}")
                    return
                continue
            if resp.status_code == 200:
                chains[i] = resp.json()["refresh_token"]

    threads = [threading.Thread(target=rotate_chain, args=(i,), daemon=True) for i in range(len(chains))]
    for t in threads:
        t.start()
    kills = 0
    for _ in range(mode["worker_kills"]):
        time.sleep(1.0)
        workers = host.worker_pids()
        if workers:
            os.kill(random.choice(workers), signal.SIGKILL)
            kills += 1
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    with stack.pg_connect() as conn:
        # half-written: a live token spent without the token its rotation issued (one transaction)
        half = conn.execute(
            "SELECT COUNT(*) FROM tokens_refreshtoken t WHERE t.used_at IS NOT NULL AND t.revoked_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM tokens_refreshtoken n WHERE n.family = t.family "
            "AND n.generation = t.generation + 1)"
        ).fetchone()[0]
        # a token exchanged twice (two successors): its first answer was lost after the commit
        committed = conn.execute(siblings).fetchone()[0] - siblings_before
        revoked = (
            conn.execute(
                "SELECT COUNT(DISTINCT family) FROM tokens_refreshtoken WHERE revoked_at IS NOT NULL"
            ).fetchone()[0]
            - revoked_before
        )
    faults["worker_kill"] = {
        "kills": kills,
        "requests_cut": errors,
        "retried_ok": retried_ok,
        "committed_before_the_kill": committed,
        "rolled_back": retried_ok - committed,
        "retries_refused": refused,
        "half_written_rotations": half,
        "families_revoked": revoked,
    }
    checks.check(
        "worker killed mid-request: the client got an error, no half-written refresh rotation in the database",
        half == 0 and kills > 0 and errors > 0 and pids_alive(stack),
        faults["worker_kill"],
    )
    checks.check(
        "worker killed mid-request: every retry within the reuse interval got tokens, no family revoked",
        not refused and retried_ok == errors and revoked == 0,
        {k: faults["worker_kill"][k] for k in ("requests_cut", "retried_ok", "committed_before_the_kill")},
    )


def retry_until_answered(client: Http, body: dict, tries: int = 5) -> httpx.Response | None:
    """The retry of a cut token request. The next kill can cut the retry too (kills are a second
    apart), so it is sent again with the same token until a worker answers; each try waits for the
    master to start a new worker, and all of them fit in the reuse interval."""
    for _ in range(tries):
        time.sleep(0.5)
        try:
            return client.token(body)
        except httpx.HTTPError:
            continue
    return None


def lost_answers(stack: Stack, tenant: Tenant, mode: dict) -> None:
    """Rotations that commit and whose answer never reaches the client, made deterministic: the
    request goes out on a raw socket to host A, which is closed unread once PostgreSQL shows the
    token spent (the commit); the client retries with the token it holds through host B."""
    a, b = stack.hosts
    token = password_refresh_token(tenant, tenant.lb, tenant.users[4])
    body = {"grant_type": "refresh_token", **tenant.creds(tenant.password_app)}
    via_b = Http(stack, b.base, b.name)
    host = stack.host_header["Host"]
    statuses: Counter = Counter()
    waits: list[float] = []
    for _ in range(mode["lost_answers"]):
        form = urlencode({**body, "refresh_token": token})
        request = (
            f"POST /{TENANT}/oauth/token HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {a.name}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(form)}\r\nConnection: close\r\n\r\n{form}"
        )
        digest = hashlib.sha256(token.encode()).hexdigest()
        start = time.monotonic()
        with socket.create_connection((a.address, a.port), timeout=10) as sock, stack.pg_connect() as conn:
            sock.sendall(request.encode())
            try:
                wait_for(
                    "the rotation's commit",
                    lambda digest=digest: conn.execute(
                        "SELECT used_at IS NOT NULL FROM tokens_refreshtoken WHERE token_hash = %s", (digest,)
                    ).fetchone()[0],
                    timeout=10,
                    interval=0.005,
                )
                committed = True
            except RuntimeError:
                committed = False
        waits.append(time.monotonic() - start)  # then closed, its answer unread
        if not committed:
            statuses["never committed"] += 1
            continue
        retry = via_b.token({**body, "refresh_token": token})
        statuses[retry.status_code] += 1
        if retry.status_code != 200:
            break
        token = retry.json()["refresh_token"]
    with stack.pg_connect() as conn:
        revoked = conn.execute(
            "SELECT COUNT(*) FROM tokens_refreshtoken WHERE revoked_at IS NOT NULL AND family = "
            "(SELECT family FROM tokens_refreshtoken WHERE token_hash = %s)",
            (hashlib.sha256(token.encode()).hexdigest(),),
        ).fetchone()[0]
    figures.setdefault("faults", {})["lost_answers"] = {
        "rotations_committed_unanswered": mode["lost_answers"] - statuses["never committed"],
        "retries_through_host_b": {str(k): v for k, v in statuses.items()},
        "family_tokens_revoked": revoked,
        "seconds_to_commit_max": round(max(waits), 3) if waits else None,
    }
    checks.check(
        "rotation committed, answer lost: the retry within the reuse interval gets new tokens on the "
        "other host, family intact",
        statuses == Counter({200: mode["lost_answers"]}) and revoked == 0,
        figures["faults"]["lost_answers"],
    )


# -- phase 4: fuzzing -------------------------------------------------------------------------------
def phase_fuzz(stack: Stack, mode: dict) -> None:
    print(
        "== fuzz: schemathesis on the Management API schema, hypothesis on /oauth/token and /authorize",
        flush=True,
    )
    created = json.loads(stack.manage("create_tenant", "fuzz", "--json").stdout)
    mc = created["management_client"]
    lb = Http(stack, stack.public_url, "fuzz")
    token = lb.client.post(
        "/fuzz/oauth/token",
        data={"grant_type": "client_credentials", "audience": created["issuer"] + "api/v2/", **mc},
    ).json()["access_token"]
    schemathesis(stack, token, mode)
    hypothesis_fuzz(stack, mode)


def schemathesis(stack: Stack, token: str, mode: dict) -> None:
    st = BIN / "st"
    if not st.exists():
        checks.check("schemathesis installed", False, "pip install schemathesis (make soak does)")
        return
    report = stack.tmp / "schemathesis.xml"
    config = stack.tmp / "schemathesis.toml"
    # Every path of the schema is under /{tenant_slug}/api/v2/: the fuzz tenant's, whose token this is.
    # The stateful phase gets 30 examples in either mode (the short mode's 5 make few scenarios).
    config.write_text(
        '[parameters]\n"path.tenant_slug" = "fuzz"\n\n[phases.stateful.generation]\nmax-examples = 30\n'
    )
    cmd = [
        str(st),
        "--config-file",
        str(config),
        "run",
        f"{stack.public_url}/api/schema/",
        "--url",
        stack.public_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--header",
        f"Host: 127.0.0.1:{stack.lb_port}",
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        "--max-examples",
        str(mode["schemathesis"]),
        "--phases",
        # stateful: call sequences along the schema's links (management_api/openapi.py) and those
        # schemathesis infers, e.g. POST /roles -> POST /roles/{role_id}/permissions -> DELETE
        "examples,coverage,fuzzing,stateful" if mode is MODES["full"] else "examples,fuzzing,stateful",
        "--exclude-path-regex",
        "keys/signing/rotate|/revoke$",  # rotating and revoking in a loop is phase 2's job
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--seed",
        "1",
        "--generation-database",
        "none",
        "--no-color",
    ]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=stack.tmp, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
    tail = proc.stdout.strip().splitlines()[-25:]
    (stack.tmp / "schemathesis.out").write_text(proc.stdout + proc.stderr)
    summary = next(
        (line for line in reversed(tail) if "passed" in line or "failed" in line or "error" in line), ""
    )
    figures["schemathesis"] = {
        "exit": proc.returncode,
        "seconds": round(time.monotonic() - start, 1),
        "summary": summary.strip("= "),
    }
    for label in ("Scenarios:", "API Links:"):  # the stateful phase's
        found = [
            line.split(":", 1)[1].strip()
            for line in proc.stdout.splitlines()
            if line.strip().startswith(label)
        ]
        if found:
            figures["schemathesis"]["stateful_" + label.rstrip(":").lower().replace("api ", "")] = found[-1]
    checks.check(
        "schemathesis: zero 5xx, zero schema-breaking responses",
        proc.returncode == 0,
        summary or "\n".join(tail[-10:]),
    )
    if proc.returncode != 0:
        print("\n".join(proc.stdout.splitlines()[-80:]), file=sys.stderr)


def hypothesis_fuzz(stack: Stack, mode: dict) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as s

    lb = Http(stack, stack.public_url, "hypothesis")
    text = s.one_of(
        s.text(max_size=40),
        s.sampled_from(
            [
                "",
                "openid",
                "offline_access openid",
                "https://rs256.soak.test/",
                "null",
                "S256",
                "plain",
                "none",
                "code",
                "token id_token",
            ]
        ),
        s.text(alphabet=s.characters(codec="utf-8"), max_size=300),
    )
    names = s.sampled_from(
        [
            "grant_type",
            "client_id",
            "client_secret",
            "audience",
            "resource",
            "scope",
            "username",
            "password",
            "realm",
            "refresh_token",
            "code",
            "redirect_uri",
            "code_verifier",
            "response_type",
            "response_mode",
            "state",
            "nonce",
            "prompt",
            "code_challenge",
            "code_challenge_method",
            "max_age",
            "login_hint",
            "organization",
            "connection",
        ]
    )
    grant = s.sampled_from(
        [
            "client_credentials",
            "password",
            "refresh_token",
            "authorization_code",
            "http://auth0.com/oauth/grant-type/password-realm",
            "implicit",
            "",
        ]
    )
    params = s.dictionaries(names, text, max_size=8)
    statuses: Counter = Counter()
    fives: list[str] = []

    @settings(
        max_examples=mode["hypothesis"] // 2,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        params=params,
        grant=grant,
        body=s.sampled_from(["form", "json", "raw"]),
        slug=s.sampled_from(["fuzz", TENANT, "nope"]),
    )
    def token_case(params, grant, body, slug):
        data = {**params, "grant_type": grant} if grant else params
        url = f"/{slug}/oauth/token"
        try:
            if body == "form":
                resp = lb.client.post(url, data=data)
            elif body == "json":
                resp = lb.client.post(url, json=data)
            else:
                resp = lb.client.post(
                    url,
                    content=json.dumps(data)[: len(data) * 7],
                    headers={"Content-Type": "application/json"},
                )
        except httpx.HTTPError as exc:
            fives.append(f"token {type(exc).__name__}")
            return
        statuses[("token", resp.status_code)] += 1
        if resp.status_code >= 500:
            fives.append(f"token {resp.status_code} {data!r:.200}")

    @settings(
        max_examples=mode["hypothesis"] // 2,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(params=params, method=s.sampled_from(["GET", "POST"]), slug=s.sampled_from(["fuzz", TENANT]))
    def authorize_case(params, method, slug):
        try:
            if method == "GET":
                resp = lb.client.get(f"/{slug}/authorize?{urlencode(params)}")
            else:
                resp = lb.client.post(f"/{slug}/authorize", data=params)
        except httpx.HTTPError as exc:
            fives.append(f"authorize {type(exc).__name__}")
            return
        statuses[("authorize", resp.status_code)] += 1
        if resp.status_code >= 500:
            fives.append(f"authorize {resp.status_code} {params!r:.200}")

    start = time.monotonic()
    token_case()
    authorize_case()
    total = sum(statuses.values())
    figures["hypothesis"] = {
        "requests": total,
        "seconds": round(time.monotonic() - start, 1),
        "statuses": {f"{k[0]} {k[1]}": v for k, v in sorted(statuses.items())},
        "5xx": len(fives),
    }
    checks.check(
        "hypothesis: /oauth/token and /authorize, zero 5xx",
        not fives and total >= mode["hypothesis"] * 0.9,
        f"{total} requests; {fives[:3]}",
    )


# -- main -------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="short")
    parser.add_argument("--out", default=None)
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("SOAK_PORT_BASE", "18400")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    parser.add_argument("--skip", default="", help="comma-separated phases to skip: cross,load,faults,fuzz")
    args = parser.parse_args()
    mode = MODES[args.mode]
    skip = set(filter(None, args.skip.split(",")))
    started = time.time()
    stack = Stack(port_base=args.port_base)
    try:
        print(f"soak ({args.mode}): stack in {stack.tmp}", flush=True)
        stack.pg_start()
        with stack.pg_connect("postgres") as conn:
            conn.execute("CREATE DATABASE authport_soak")
        stack.redis_start()
        stack.manage("migrate", "--noinput")
        for host in stack.hosts:
            stack.host_start(host)
        stack.haproxy_start()
        lb = Http(stack, stack.public_url, "setup")
        tenant = Tenant(stack, lb)
        node = stack.node_start(
            f"{stack.public_url}/{TENANT}/",
            [tenant.apis[a]["identifier"] for a in ("RS256", "PS256", "ES256")],
        )
        checks.check(
            "Node verifier (express-oauth2-jwt-bearer) running",
            node,
            "" if node else "npm install in soak/verifier",
        )
        verifiers = Verifiers(stack, tenant, node)
        a, b = (Http(stack, h.base, h.name) for h in stack.hosts)
        if "cross" not in skip:
            phase_cross_host(stack, tenant, a, b)
        if "load" not in skip:
            phase_load(stack, tenant, verifiers, mode)
        if "faults" not in skip:
            tenant.refresh_mgmt_token()
            phase_faults(stack, tenant, mode)
        if "fuzz" not in skip:
            phase_fuzz(stack, mode)
        five_xx_logged = sum(
            (stack.tmp / f"{h.name}.log").read_text(errors="replace").count("Internal Server Error")
            for h in stack.hosts
        )
        figures["server_errors_logged"] = five_xx_logged
    except Exception as exc:  # a broken phase is a failed check, with the logs kept
        import traceback

        traceback.print_exc()
        checks.check("soak ran to the end", False, f"{type(exc).__name__}: {exc}")
        args.keep = True
    finally:
        if checks.failed:
            args.keep = True
        stack.close(keep=args.keep)
    result = {
        "mode": args.mode,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": {"cpus": os.cpu_count(), "load_average": [round(x, 1) for x in os.getloadavg()]},
        "figures": figures,
        "checks": checks.results,
    }
    out = Path(args.out or ROOT / "soak" / "results" / f"latest-{args.mode}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"\nsoak ({args.mode}) in {result['seconds']} s: {len(checks.results) - len(checks.failed)} checks passed, {len(checks.failed)} failed; {out}"
    )
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
