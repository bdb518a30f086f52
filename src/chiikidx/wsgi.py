"""WSGI entry point for gunicorn: `gunicorn chiikidx.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chiikidx.settings")
application = get_wsgi_application()
