"""Auth0's SDKs with a bare tenant domain against a live TLS Authport (issue 14, "Done when" 1).

gunicorn serves https with a throwaway CA's certificate for `auth.example.test`, `*.auth.example.test`
and a custom domain, on port 443 when it is free (root binds it; a bare domain then needs no port),
else on a free port (`acme.auth.example.test:PORT`, which the SDKs take as it is). `/etc/hosts` gets
the test's names, and gets them back out afterwards. The clients are Auth0's Node SDK 7
(`ManagementClient({domain, clientId, clientSecret})`), auth0-python (`GetToken`, `Auth0`) and
openid-client (discovery), each given nothing but the domain or issuer: no protocol, no base URL.
Node's packages come from `make node-sdks`; without them, or without a writable /etc/hosts, it skips.
"""

import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bench.run import free_port
from tests.live import ROOT, live_env, manage

NODE_DIR = Path(__file__).resolve().parent / "node"
TENANT_DOMAIN = "auth.example.test"
CUSTOM_DOMAIN = "login.acme.test"
NAMES = (TENANT_DOMAIN, f"acme.{TENANT_DOMAIN}", CUSTOM_DOMAIN)
HOSTS_FILE = Path("/etc/hosts")
MARKER = "# authport tests/domains/test_live_tls.py"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None
    or not (NODE_DIR / "node_modules" / "auth0").is_dir()
    or not (NODE_DIR / "node_modules" / "openid-client").is_dir(),
    reason="needs node and the packages of tests/domains/node: run `make node-sdks`",
)


def _name(value: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value)])


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificates(work: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key): a throwaway CA and a certificate it signed
    for the parent domain, every tenant host (a wildcard, as in production) and the custom domain."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Authport test CA"))
        .issuer_name(_name("Authport test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [TENANT_DOMAIN, f"*.{TENANT_DOMAIN}", CUSTOM_DOMAIN]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(TENANT_DOMAIN))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = work / "ca.pem", work / "cert.pem", work / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_pem_key(key))
    return ca_path, cert_path, key_path


@contextlib.contextmanager
def _hosts_entries():
    """The test's names on 127.0.0.1 in /etc/hosts; afterwards exactly the lines added are removed."""
    try:
        original = HOSTS_FILE.read_text()
        separator = "" if original.endswith("\n") or not original else "\n"
        added = "".join(f"127.0.0.1 {name} {MARKER}\n" for name in NAMES)
        HOSTS_FILE.write_text(original + separator + added)  # in place: /etc/hosts may be a bind mount
    except OSError as exc:
        pytest.skip(f"cannot add the test's names to {HOSTS_FILE} ({exc.strerror}): run as root")
    try:
        if any(socket.gethostbyname(name) != "127.0.0.1" for name in NAMES):
            pytest.skip(f"{HOSTS_FILE} is not used to resolve names here")
        yield
    finally:
        current = HOSTS_FILE.read_text()
        HOSTS_FILE.write_text("".join(line for line in current.splitlines(True) if MARKER not in line))


def _port() -> int:
    """443 when this process may bind it (a bare domain then means this server), else a free port."""
    try:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds it
            probe.bind(("127.0.0.1", 443))
    except OSError:
        return free_port()
    return 443


def _wait_ready(port: int, ca: Path, timeout: float = 60) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
                with context.wrap_socket(raw, server_hostname=TENANT_DOMAIN) as tls:
                    tls.sendall(
                        f"GET /healthz HTTP/1.1\r\nHost: {TENANT_DOMAIN}\r\nConnection: close\r\n\r\n".encode()
                    )
                    if tls.recv(64).startswith(b"HTTP/1.1 200"):
                        return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the TLS server did not become ready")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The live TLS server, the tenant `acme`, its management client, and the names to reach it by."""
    work = tmp_path_factory.mktemp("tls")
    ca, cert, key = _certificates(work)
    with _hosts_entries():
        port = _port()
        suffix = "" if port == 443 else f":{port}"
        env = {
            **live_env(work, port),
            "PUBLIC_URL": f"https://{TENANT_DOMAIN}{suffix}",
            "TENANT_DOMAIN": TENANT_DOMAIN,
        }
        manage(env, "migrate", "-v0")
        created = json.loads(manage(env, "create_tenant", "acme", "--json"))
        process = subprocess.Popen(  # noqa: S603 - our own interpreter
            [
                sys.executable,
                "-m",
                "gunicorn",
                "authport.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--certfile",
                str(cert),
                "--keyfile",
                str(key),
                "--workers",
                "2",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_ready(port, ca)
            yield {
                "ca": ca,
                "env": env,
                "domain": f"acme.{TENANT_DOMAIN}{suffix}",
                "custom": f"{CUSTOM_DOMAIN}{suffix}",
                "public": f"{TENANT_DOMAIN}{suffix}",
                "issuer_of_path": created["issuer"],
                **created["management_client"],
            }
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _node(server, script: str, **variables: str) -> dict:
    done = subprocess.run(  # noqa: S603 - node runs our own script
        ["node", script],  # noqa: S607
        cwd=NODE_DIR,
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(server["ca"]), **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_tenant_issuer_is_the_tenant_host(server):
    # create_tenant prints the canonical issuer: the tenant host
    assert server["issuer_of_path"] == f"https://{server['domain']}/"


def test_node_sdk_management_client_with_a_bare_tenant_domain(server):
    # when
    answer = _node(
        server,
        "management.mjs",
        DOMAIN=server["domain"],
        CLIENT_ID=server["client_id"],
        CLIENT_SECRET=server["client_secret"],
        CUSTOM_DOMAIN="sdk.acme.test",
    )

    # then
    assert server["client_id"] in answer["clients"]
    assert answer["resourceServers"] == [f"https://{server['domain']}/api/v2/"]
    assert answer["created"]["domain"] == "sdk.acme.test"
    assert answer["created"]["status"] == "pending_verification"
    assert answer["verified"]["status"] == "pending_verification"  # the tenant's verify never makes it live


def test_auth0_python_get_token_and_auth0_with_a_bare_domain(server, monkeypatch):
    from auth0.authentication import GetToken
    from auth0.management import Auth0

    # given: the CA trusted the way each HTTP library reads it (requests; httpx)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server["ca"]))
    monkeypatch.setenv("SSL_CERT_FILE", str(server["ca"]))
    domain = server["domain"]

    # when
    token = GetToken(domain, server["client_id"], client_secret=server["client_secret"]).client_credentials(
        audience=f"https://{domain}/api/v2/"
    )["access_token"]
    api = Auth0(tenant_domain=domain, token=token, max_retries=0)
    clients = api.clients.list()
    apis = api.resource_servers.list()

    # then
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == f"https://{domain}/"
    assert claims["aud"] == f"https://{domain}/api/v2/"
    assert server["client_id"] in [c.client_id for c in clients]
    assert [a.identifier for a in apis] == [f"https://{domain}/api/v2/"]
    api._client_wrapper.httpx_client.httpx_client.close()


def test_openid_client_discovery_on_the_tenant_host(server):
    # when
    answer = _node(
        server,
        "discovery.mjs",
        ISSUER=f"https://{server['domain']}/",
        CLIENT_ID=server["client_id"],
        CLIENT_SECRET=server["client_secret"],
        AUDIENCE=f"https://{server['domain']}/api/v2/",
    )

    # then
    metadata = answer["metadata"]
    assert metadata["issuer"] == f"https://{server['domain']}/"
    assert metadata["jwks_uri"] == f"https://{server['domain']}/.well-known/jwks.json"
    assert metadata["token_endpoint"] == f"https://{server['domain']}/oauth/token"
    assert (
        jwt.decode(answer["access_token"], options={"verify_signature": False})["iss"] == metadata["issuer"]
    )


def test_a_verified_custom_domain_serves_the_tenant_with_its_own_issuer(server):
    # given: the tenant claims the domain, the operator verifies it
    token = requests.post(
        f"https://{server['domain']}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": server["client_id"],
            "client_secret": server["client_secret"],
            "audience": f"https://{server['domain']}/api/v2/",
        },
        verify=str(server["ca"]),
        timeout=30,
    ).json()["access_token"]
    claimed = requests.post(
        f"https://{server['domain']}/api/v2/custom-domains",
        json={"domain": CUSTOM_DOMAIN, "type": "self_managed_certs"},
        headers={"Authorization": f"Bearer {token}"},
        verify=str(server["ca"]),
        timeout=30,
    )
    assert claimed.status_code == 201, claimed.text
    pending = requests.get(
        f"https://{server['custom']}/.well-known/openid-configuration", verify=str(server["ca"]), timeout=30
    )
    manage(server["env"], "verify_custom_domain", CUSTOM_DOMAIN)

    # when
    answer = _node(
        server,
        "discovery.mjs",
        ISSUER=f"https://{server['custom']}/",
        CLIENT_ID=server["client_id"],
        CLIENT_SECRET=server["client_secret"],
        AUDIENCE=f"https://{server['domain']}/api/v2/",
    )

    # then
    assert pending.status_code == 400
    assert pending.json()["error"] == "invalid_request"
    assert answer["metadata"]["issuer"] == f"https://{server['custom']}/"
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["iss"] == f"https://{server['custom']}/"
    assert claims["aud"] == f"https://{server['domain']}/api/v2/"  # the management audience stays canonical


def test_path_based_urls_still_work_over_tls(server):
    response = requests.get(
        f"https://{server['public']}/acme/.well-known/openid-configuration",
        verify=str(server["ca"]),
        timeout=30,
    )

    assert response.status_code == 200
    assert response.json()["issuer"] == f"https://{server['public']}/acme/"
