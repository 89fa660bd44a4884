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

import gc
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
# No control socket: the container's user has no home directory to put one in, and nothing here uses it.
control_socket_disable = True
GC_THRESHOLDS = (50_000, 20, 100)  # see post_worker_init


def post_worker_init(worker):
    """Once a worker has loaded the application: keep the cyclic garbage collector off the objects loaded with it
    (models, URL patterns, settings: ``gc.freeze``), which live as long as the process, and let it run after every
    50,000 new objects rather than every 700. A page creates tens of thousands of short-lived objects, nearly all
    freed by reference counting; with Python's defaults the collector ran about every other request and walked the
    whole application at times (0.7 ms a page measured in bench/web.py's page mix; 0.15 ms after this)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
