"""gunicorn settings for motcua (read by ``gunicorn -c deploy/gunicorn.conf.py``); every value can be
overridden from the environment or the command line. Workers are processes with a few threads each:
the engine is CPU-bound Python, so about two processes per core keep the cores busy while others wait
on the database."""

import multiprocessing
import os

wsgi_app = "web.wsgi:app"
bind = os.environ.get("MOTCUA_BIND", "127.0.0.1:8000")  # the reverse proxy in front talks to this
workers = int(os.environ.get("MOTCUA_WEB_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("MOTCUA_WEB_THREADS", "4"))
preload_app = False  # each worker opens its own database connections
timeout = 60
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (jitter keeps them from restarting together), but rarely: a new worker spends
# ≈ 1.3 s of CPU importing and building the app before its first request, i.e. ≈ 0.26 ms per request when
# recycled every 5,000 requests (≈ 5 % of a request's CPU). Worker RSS stays flat under load (bench/RESULTS.md).
max_requests = 50_000
max_requests_jitter = 5_000
forwarded_allow_ips = os.environ.get("MOTCUA_PROXY_IPS", "127.0.0.1")  # gunicorn trusts X-Forwarded-Proto from here
accesslog = os.environ.get("MOTCUA_ACCESS_LOG", "-")
errorlog = "-"
