"""gunicorn's settings for casework: `gunicorn wsgi:app` reads this file from the working
directory (or `gunicorn -c /path/to/gunicorn.conf.py wsgi:app`). README, "Production".

Each value can be changed by the environment variable named beside it; gunicorn's own
command-line options and GUNICORN_CMD_ARGS override this file.
"""

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Behind the reverse proxy, on the loopback (CASEWORK_PROXY_COUNT=1 makes the app trust the
# proxy's X-Forwarded-For and X-Forwarded-Proto).
bind = os.environ.get("CASEWORK_BIND", "127.0.0.1:8000")

# Synchronous workers: 2 per core plus one, at most 8 (each holds its own database pool and
# about 100-150 MB); CASEWORK_WEB_WORKERS overrides.
workers = _int("CASEWORK_WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 8))

# A request silent for longer is killed and its worker restarted. Long work (imports,
# report workbooks) runs in `casework worker`, not in a request, so this stays short.
timeout = _int("CASEWORK_WEB_TIMEOUT", 60)
# On SIGTERM or HUP a worker finishes its request within this.
graceful_timeout = 30
keepalive = 5

# Recycle each worker after about this many requests, the jitter spreading the restarts so
# that never all workers restart at once: memory that grows slowly is given back.
max_requests = _int("CASEWORK_WEB_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10

# Off: every worker builds the app after the fork, so no database connection or pool (the
# SQLAlchemy engine, the job queue's psycopg pool) is ever shared between processes, and
# `kill -HUP` on the master loads new code into new workers without a restart. Preloading
# would save little memory for that risk.
preload_app = False

# The workers' heartbeat files on a memory file system where there is one (a slow disk can
# otherwise make gunicorn believe a busy worker is stuck).
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

# Logs to the standard streams ("-": the access log on stdout, gunicorn's own log on
# stderr), for the process manager (systemd's journal, docker logs) to keep; no log file.
# The access log leaves out query strings and the referrer (%(U)s is the path alone): a
# search for a name stays out of the logs (README, "Logs").
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("CASEWORK_LOG_LEVEL", "info").lower()
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
