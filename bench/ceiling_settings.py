"""Settings for the benchmark's ceiling server: Kotoba's own settings (the same middleware,
database, cache and security headers) with one URL, a constant page (bench/ceiling_urls.py).

    DJANGO_SETTINGS_MODULE=bench.ceiling_settings gunicorn config.wsgi

What the ceiling measures is gunicorn plus Django's request handling and Kotoba's middleware
stack with no view work at all, on the same machine at the same moment as the pages.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ceiling_urls"
