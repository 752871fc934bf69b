"""Gunicorn in production: `gunicorn --config deploy/gunicorn.conf.py portal.wsgi`.

Sync workers, one request each: the portal's pages are short, database-bound requests.
Scale on one machine with WEB_CONCURRENCY (gunicorn reads it itself; default here: two per
core plus one), and across machines by running the same command on more machines behind
the load balancer, all against the same PostgreSQL and Redis.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # the TLS proxy in front connects here
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A small score file is checked and imported inside the request; with the broker down the
# school's flags are recomputed in the request too (portal.queueing). Both stay well under this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30  # on restart/deploy, requests in flight finish
keepalive = 5
# A worker is replaced after this many requests, so a slow leak cannot grow for weeks.
max_requests = 2000
max_requests_jitter = 200
# The proxy on this machine sets X-Forwarded-Proto; Django trusts it when BEHIND_PROXY=1.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
