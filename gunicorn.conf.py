"""The production web server's settings. The Dockerfile starts gunicorn with this file, and so do CI's production
smoke run and the load benchmark (bench/web.py), so what is measured is what runs.

Synchronous workers, one request each, as many as two per core: a worker takes a connection from the listening
socket only when it is free, so requests wait in one queue in their order and every page waits about as long as
any other. Threads inside a worker would share one interpreter lock, and a worker that accepted more requests than
it can run at once keeps them waiting while another worker may be idle; under a queue of users that made the
slowest pages' wait (the 95th percentile) about twice as long at the same throughput (docs/operations.md).
A proxy in front (TLS, slow clients) buffers the requests, as synchronous workers need.

Environment: WEB_CONCURRENCY (workers; default two per core), GUNICORN_THREADS (default 1), GUNICORN_TIMEOUT
(seconds, default 60).
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
# No control socket: the container's user has no home directory to put one in, and nothing here uses it.
control_socket_disable = True
