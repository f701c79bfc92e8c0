"""gunicorn's settings, used by the image (``gunicorn -c python:backend.gunicorn_conf``) and by
the test that scans a real gunicorn's logs for tokens (tests/core/test_gunicorn_logs.py).

Both logs go to the standard streams (Docker collects them); the logger class keeps every token
out of them (core/gunicorn_logging.py). The environment sets the size of the server.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
wsgi_app = "backend.wsgi:application"

accesslog = "-"
errorlog = "-"
logger_class = "core.gunicorn_logging.RedactingLogger"

# gunicorn 25.1+ opens a control socket under $HOME by default; the image's $HOME (/app) is not
# the process's to write, and nothing here uses `gunicornc`.
control_socket_disable = True
