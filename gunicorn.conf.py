"""gunicorn's settings for casework: `gunicorn wsgi:app` (gunicorn reads ./gunicorn.conf.py) or
`gunicorn -c /srv/casework/gunicorn.conf.py wsgi:app`. docs/deployment.md explains each choice.

Environment: GUNICORN_BIND (default 127.0.0.1:8000, nginx in front), GUNICORN_WORKERS
(default 2 × cores + 1), GUNICORN_THREADS (1), GUNICORN_TIMEOUT (60 s), GUNICORN_GRACEFUL_TIMEOUT
(30 s), GUNICORN_MAX_REQUESTS (2000), FORWARDED_ALLOW_IPS (127.0.0.1,::1), and
PROMETHEUS_MULTIPROC_DIR (metrics summed over the workers). Options given on the command line
win over this file.
"""
import multiprocessing
import os
import shutil


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# a request running longer than this is killed (an import or big export is a job, not a request)
timeout = _int("GUNICORN_TIMEOUT", 60)
# on SIGTERM (systemctl stop, a deploy) workers stop accepting and finish what they are doing for
# at most this long; systemd's TimeoutStopSec must be longer
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# recycle workers now and then (slow leaks), not all at once
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max(max_requests // 10, 1) if max_requests else 0

# the app writes one structured access line per request (with its request id); gunicorn's own
# would be a second, unstructured one
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if (os.environ.get("LOG_FORMAT") or "json").lower() == "json":
    # gunicorn's own lines (booting, a worker killed) as JSON too, like the app's; the root
    # logger is left to the app (casework/observability.py)
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["json_stderr"],
                               "propagate": False, "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False,
                                "qualname": "gunicorn.access"},
        },
        "handlers": {
            "json_stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"},
        },
        "formatters": {
            "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                     "fmt": ["levelname", "name", "message"],
                     "rename_fields": {"levelname": "level", "name": "logger"},
                     "timestamp": "time"},
        },
    }
# nginx on this machine sets X-Forwarded-Proto: trust it from there only
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# workers' heartbeat files in memory, not on a disk that may stall
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "casework"
if os.environ.get("RUNTIME_DIRECTORY"):  # systemd's RuntimeDirectory=: not the home folder
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"].split(":")[0], "gunicorn.ctl")


def on_starting(server):
    """Start with an empty metrics folder: files of a previous run would be added in."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    """A worker died or was recycled: its live gauges no longer count (its counters still do)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker):
    """A worker stopping gracefully: let the jobs its threads run finish first (without Redis,
    background jobs run in threads of the web process)."""
    try:
        from casework.jobs import wait_for_threads
    except (ImportError, AttributeError):
        return
    wait_for_threads(timeout=max(graceful_timeout - 5, 1))
