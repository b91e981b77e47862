"""gunicorn settings for Authport (`gunicorn -c python:authport.gunicorn_conf authport.wsgi`).

Prometheus multiprocess mode (prometheus-client's documented setup): every worker writes its
values to files in PROMETHEUS_MULTIPROC_DIR, and the master, which serves no tenant traffic,
aggregates them at http://METRICS_BIND/metrics. The directory is made (a fresh temporary one when
unset) and emptied here before any worker starts, since values left by an earlier run would be
added to this one's. METRICS_BIND (default 127.0.0.1:9464) keeps the metrics off the public port;
an empty value turns the listener off.
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path

from authport.env import env  # reads .env too when DJANGO_READ_DOT_ENV_FILE is true, as make serve sets

METRICS_BIND = env.str("METRICS_BIND", default="127.0.0.1:9464")

_given_dir = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
_multiproc_dir = _given_dir or tempfile.mkdtemp(prefix="authport-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _multiproc_dir  # before any worker imports prometheus_client

log = logging.getLogger("gunicorn.error")


def on_starting(server):
    directory = Path(_multiproc_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink()


def when_ready(server):
    if not METRICS_BIND:
        return
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    host, _, port = METRICS_BIND.rpartition(":")
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    try:
        start_http_server(int(port), addr=host or "127.0.0.1", registry=registry)
    except (OSError, ValueError) as exc:
        log.warning("Metrics are not served: cannot listen on METRICS_BIND=%s (%s)", METRICS_BIND, exc)
        return
    log.info("Prometheus metrics at http://%s/metrics", METRICS_BIND)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if not _given_dir:  # ours: a temporary directory, gone with the server
        shutil.rmtree(_multiproc_dir, ignore_errors=True)
