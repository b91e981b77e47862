"""Instructions per token request, Authport against the hand-written view: a measure the machine's load cannot move.

Usage: make bench-instructions   (or: .venv/bin/python bench/instructions.py --help)

Throughput on a shared machine moves by a third from one run to the next, more than most changes
to the hot path. valgrind's callgrind counts the instructions a process executes, and for the same
program and inputs that count is the same whatever else the machine does. Each measurement here is
one process under callgrind that serves real client_credentials requests through the WSGI
application, in the process and without sockets, on the bench's own fresh SQLite database
(bench/run.py's SETUP): after --warmup requests it zeroes callgrind's counters, serves --requests
more, and reads the total. The same is done for the bench's reference server (the hand-written
view), so a ratio of the two is the in-process share of `make bench`'s ratio; gunicorn's own cost
per request (parsing, sockets) comes on top of both and is not in these figures.

Authport runs three ways: without log events (LOG_EVENTS_ENABLED=false), with events built but not
stored (the request's share of an event), and with events stored by the writer thread (every
measured event is stored before the count is read). Under callgrind requests come far slower than
under load, so the writer's batches hold fewer events and each pays more of a batch's fixed cost:
the stored figure overstates the writer's cost per event.
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import ALGORITHMS, setup_database, token_body  # noqa: E402 - after the path

TOKEN_PATH = "/bench/oauth/token"


def _serve(requests: int, warmup: int, body: bytes) -> None:
    """In the measured process: warm up, zero the counters, serve, dump (callgrind_control)."""
    import gc

    import django

    django.setup()
    if os.environ.get("BENCH_EVENTS") == "built":
        from logs import recorder

        recorder._writer.submit = lambda row: None  # built and handed over, never stored
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    host = os.environ["BENCH_HOST"]
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered["status"] = status

    def one() -> bytes:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": TOKEN_PATH,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": host.split(":")[0],
            "SERVER_PORT": host.split(":")[1],
            "HTTP_HOST": host,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "bench/instructions",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        response = app(environ, start_response)
        content = b"".join(response)
        response.close()
        return content

    for _ in range(warmup):
        content = one()
    if not answered["status"].startswith("200"):
        raise SystemExit(f"the token endpoint answered {answered['status']}: {content[:300]!r}")
    stored = os.environ.get("BENCH_EVENTS") == "stored"
    if stored:
        from logs.recorder import log_events_flush

        log_events_flush(timeout=600)  # warm-up's events stored before counting, the measured ones within
    gc.collect()
    gc.freeze()  # what warm-up left stays out of the collections that follow
    control = shutil.which("callgrind_control")  # valgrind's, beside it
    subprocess.run([control, "--zero", str(os.getpid())], check=True, capture_output=True)
    for _ in range(requests):
        one()
    if stored:
        log_events_flush(timeout=600)
    subprocess.run([control, "--dump", str(os.getpid())], check=True, capture_output=True)


def _total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(f"no total in {dump}")


def measure(env: dict, *, settings: str, events: str, body: bytes, args, workdir: Path) -> int:
    """Instructions per request of one configuration, in a process of its own under callgrind."""
    out = workdir / f"callgrind.{settings}.{events}"
    for old in workdir.glob(f"{out.name}*"):
        old.unlink()
    child_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": settings,
        "LOG_EVENTS_ENABLED": "false" if events == "off" else "true",
        "BENCH_EVENTS": events,
        "BENCH_HOST": env["PUBLIC_URL"].split("//", 1)[1],
        "PYTHONHASHSEED": "0",  # the same dict layouts, hence the same count, run after run
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
    }
    done = subprocess.run(
        [
            shutil.which("valgrind"),
            "--tool=callgrind",
            f"--callgrind-out-file={out}.%p",
            sys.executable,
            __file__,
            "--serve",
            str(args.requests),
            str(args.warmup),
        ],
        input=body,
        env=child_env,
        cwd=ROOT,
        capture_output=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the measured process failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    dumps = sorted(workdir.glob(f"{out.name}.*.1"))  # the --dump of the serving process
    if not dumps:
        raise SystemExit("callgrind wrote no dump: is callgrind_control on the PATH?")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(dumps[0], args.keep / out.name)  # for callgrind_annotate
    return round(_total(dumps[0]) / args.requests)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400, help="measured requests (default 400)")
    parser.add_argument("--warmup", type=int, default=300, help="requests before counting (default 300)")
    parser.add_argument(
        "--algorithms", default=",".join(ALGORITHMS), help="among RS256,ES256,HS256 (default all)"
    )
    parser.add_argument(
        "--keep", type=Path, help="a folder to keep each callgrind dump in, for callgrind_annotate"
    )
    parser.add_argument("--only", default="", help="configurations whose label holds this text (default all)")
    parser.add_argument("--serve", nargs=2, type=int, help=argparse.SUPPRESS)  # the measured process
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve[0], args.serve[1], sys.stdin.buffer.read())
        return
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        raise SystemExit(
            "valgrind is not installed (Debian: apt-get install valgrind; make bench-instructions does it)"
        )
    results = {}
    with tempfile.TemporaryDirectory(prefix="authport-instructions-") as tmp:
        workdir = Path(tmp)
        env, creds, drop = setup_database("sqlite", workdir, "locmemcache://", 8000)
        try:
            for alg in args.algorithms.split(","):
                body = token_body(creds, alg).encode()
                row = {}
                for label, settings, events in (
                    ("hand-written view", "bench.reference_settings", "off"),
                    ("Authport, no log events", "authport.settings.base", "off"),
                    ("Authport, events built", "authport.settings.base", "built"),
                    ("Authport, events stored", "authport.settings.base", "stored"),
                ):
                    if args.only not in label:
                        continue
                    row[label] = measure(
                        env, settings=settings, events=events, body=body, args=args, workdir=workdir
                    )
                    print(f"  {alg} {label}: {row[label]:,} instructions a request", flush=True)
                results[alg] = row
        finally:
            drop()
    if args.only:
        return  # some configurations only: each was printed as it was measured
    print(
        f"\nInstructions per client_credentials request, in the process ({args.requests} requests after {args.warmup})"
    )
    print(
        f"{'':<8} {'hand view':>10} {'Authport':>10} {'ratio':>6} {'event, built':>13} {'event, stored':>14}"
    )
    for alg, row in results.items():
        hand, ours = row["hand-written view"], row["Authport, no log events"]
        built = row["Authport, events built"] - ours
        stored = row["Authport, events stored"] - ours
        print(f"{alg:<8} {hand:>10,} {ours:>10,} {hand / ours:>5.2f}x {built:>13,} {stored:>14,}")


if __name__ == "__main__":
    main()
