"""Local development: debug on, a fixed insecure key, the embedded SQLite database."""

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# runserver serves the unhashed files; no collectstatic needed.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve from the app folders directly; production serves collected, hashed files.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
