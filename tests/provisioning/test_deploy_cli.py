"""Auth0's Deploy CLI (`a0deploy`, installed by `make deploy-cli`) against a live Authport (SPEC
section 10): export, import into another tenant, export again, with and without deletes.

The CLI only speaks https to a bare `AUTH0_DOMAIN`, so the live server sits behind a small TLS
proxy with a throwaway certificate for 127.0.0.1, which node trusts through NODE_EXTRA_CA_CERTS,
and the tenant is named `127.0.0.1:PORT/slug` (path-based tenants; tenant hosts come later)."""

import datetime as dt
import http.client
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from provisioning.services import tenant_provision
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
A0DEPLOY = ROOT / ".deploy-cli" / "node_modules" / ".bin" / "a0deploy"
INCLUDED = ["tenant", "resourceServers", "clients", "clientGrants", "roles"]

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not A0DEPLOY.exists(),
    reason="needs node and Auth0's Deploy CLI: run `make deploy-cli`",
)


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class _Forward(BaseHTTPRequestHandler):
    """One request at a time to the live server: the CLI calls in parallel, and the in-memory SQLite
    test database shared with the live server's threads would answer "database table is locked"."""

    upstream: tuple[str, int]

    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        connection.request(self.command, self.path, body=body or None, headers=headers)
        answer = connection.getresponse()
        payload = answer.read()
        connection.close()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    def log_message(self, *args):
        pass


class TlsProxy:
    """https://127.0.0.1:PORT in front of the live server, with a throwaway certificate."""

    def __init__(self, upstream: tuple[str, int], cert: Path, key: Path):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        handler = type("Forward", (_Forward,), {"upstream": upstream})
        self.server = HTTPServer(("127.0.0.1", 0), handler)  # one thread: one request at a time
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(live_server, settings, transactional_db, tmp_path):
    """The TLS proxy, with PUBLIC_URL its URL, and two provisioned tenants: acme and other."""
    cert, key = _certificate(tmp_path)
    host, port = live_server.url.removeprefix("http://").split(":")
    tls = TlsProxy((host, int(port)), cert, key)
    settings.PUBLIC_URL = f"https://127.0.0.1:{tls.port}"
    provisioned = {slug: tenant_provision(slug=slug) for slug in ("acme", "other")}
    yield tls, cert, provisioned
    tls.close()


def a0deploy(command: str, slug: str, proxy, folder: Path, *, allow_delete: bool = False) -> str:
    tls, cert, provisioned = proxy
    config = {
        "AUTH0_DOMAIN": f"127.0.0.1:{tls.port}/{slug}",
        "AUTH0_CLIENT_ID": provisioned[slug].management_client.client_id,
        "AUTH0_CLIENT_SECRET": provisioned[slug].management_client_secret,
        "AUTH0_INCLUDED_ONLY": INCLUDED,
        "AUTH0_ALLOW_DELETE": allow_delete,
    }
    config_file = folder.parent / f"{slug}-{command}-config.json"
    config_file.write_text(json.dumps(config))
    args = [str(A0DEPLOY), command, "--format", "yaml", "--config_file", str(config_file)]
    args += (
        ["--output_folder", str(folder)]
        if command == "export"
        else ["--input_file", str(folder / "tenant.yaml")]
    )
    env = {
        **os.environ,
        "NODE_EXTRA_CA_CERTS": str(cert),
        "AUTH0_DEBUG": os.environ.get("AUTH0_DEBUG", "false"),
    }
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout + done.stderr


def _sections(folder: Path) -> dict:
    data = yaml.safe_load((folder / "tenant.yaml").read_text())
    return {k: data.get(k) for k in INCLUDED}


@pytest.mark.parametrize("allow_delete", [False, True], ids=["no-deletes", "deletes"])
def test_deploy_cli_round_trip(proxy, tmp_path, allow_delete):
    # given
    acme = proxy[2]["acme"].tenant
    api = factories.make_api(acme, identifier="https://orders.test/", name="Orders")
    worker, _ = factories.make_client(acme, name="Worker")
    factories.make_grant(worker, api, scope=["read:items"])

    # when
    a0deploy("export", "acme", proxy, tmp_path / "a")
    a0deploy("import", "other", proxy, tmp_path / "a", allow_delete=allow_delete)
    a0deploy("export", "other", proxy, tmp_path / "b")

    # then
    first, second = _sections(tmp_path / "a"), _sections(tmp_path / "b")
    assert [a["identifier"] for a in first["resourceServers"]] == ["https://orders.test/"]
    assert first["resourceServers"] == second["resourceServers"]
    assert first["clientGrants"] == second["clientGrants"]
    # The CLI exports every client but the system API; the management clients are the tenants' own.
    assert _apps(first) == _apps(second) == ["Worker"]
    assert second["tenant"]["session_lifetime"] == first["tenant"]["session_lifetime"]


def _apps(sections: dict) -> list[str]:
    return sorted(c["name"] for c in sections["clients"] if not c["name"].endswith(" management client"))
