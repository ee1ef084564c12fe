"""Settings shared by every environment; the environment is read here and only here."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "talks",
    "demos",
    "subscriptions",
    "wagtail.contrib.redirects",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    # Translations kept in the admin: synchronized and translated fields, a sync on each update.
    "wagtail_localize",
    "wagtail_localize.locales",  # replaces wagtail.locales, the admin's list of languages
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "csp",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # Pages carry their charts' JSON; compressed they are a fraction of the size.
    "django.middleware.gzip.GZipMiddleware",
    # Under /api/, Django's and ninja's own HTML error pages become JSON.
    "demos.middleware.ApiErrorsAsJson",
    # Visitors' pages, stored compressed: a stored page is served from here, before sessions,
    # routing or a query. Inside GZip so that it stores bodies before compression (and its
    # compressed answers pass GZip untouched); outside the rest so it stores their headers.
    "seminar_site.page_cache.VisitorPageCache",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language comes from the address alone (/zh-hans/… or none: English); after sessions,
    # before CommonMiddleware, as Django asks. The page cache keys pages by the same rule.
    "django.middleware.locale.LocaleMiddleware",
    "demos.middleware.ApiLanguage",  # the API's language, from Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

# Only our own scripts run on the site's pages: no inline script, no other origin. plotly.js
# sets styles inline and exports PNGs through data: and blob: URLs. Wagtail's admin (inline
# scripts of its own) keeps its own rules.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}

ROOT_URLCONF = "seminar_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "seminar_site.wsgi.application"

# SQLite is the embedded default; DATABASE_URL (postgres://...) selects PostgreSQL via psycopg 3.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker write to one file: WAL lets readers go on while a
    # run reports progress, and writers wait for each other instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Every password check made with a request (Wagtail's /admin/login/ among them) passes axes first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes 8): after LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for LOGIN_COOLOFF_MINUTES. Keyed on the pair: by the
# username alone an attacker could lock an editor out from everywhere; by the address alone one
# shared network could lock out all its editors.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful login forgets the pair's earlier failures
AXES_COOLOFF_MESSAGE = (
    "Too many failed logins for this account from your address. "
    f"Try again in {AXES_COOLOFF_TIME.total_seconds() / 60:g} minutes."
)
# The same address the demo rate limit sees: DEMO_CLIENT_IP_HEADER behind a proxy.
AXES_CLIENT_IP_CALLABLE = "seminar_site.client_address.client_ip_address"
# Failed attempts are enough to throttle; a log of every successful login would only keep addresses.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False  # there is no Django admin site; Wagtail's admin is the only one

LANGUAGE_CODE = "en"
# The site's two languages, for its interface and its content (one Wagtail locale each).
# English is the source language and keeps today's addresses; Chinese pages live under /zh-hans/.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
# Datetimes are stored in UTC; each talk is shown in its venue's zone.
TIME_ZONE = "UTC"
USE_I18N = True
# The interface's own translations (gettext catalogs; `manage.py compile_catalogs` builds the .mo).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "demos.staticfiles.PlotlyFinder",  # plotly.js from the installed plotly package
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Hashed file names never change, so browsers may keep them for a year.
WHITENOISE_MAX_AGE = 365 * 24 * 3600

# Caches. LocMem (one per process) unless CACHE_URL names a shared one, which several web hosts
# need: redis://host:6379/0 (pip install redis) or memcached://host:11211 (pip install
# pymemcache). The visitor page cache has an alias of its own so its size is set apart.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    _shared_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
    }
elif CACHE_URL.startswith("memcached://"):
    _shared_cache = {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": CACHE_URL.removeprefix("memcached://"),
    }
elif CACHE_URL:
    raise ValueError(f"CACHE_URL must start with redis://, rediss:// or memcached://: {CACHE_URL}")
else:
    _shared_cache = None
CACHES = {
    "default": _shared_cache or {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {**_shared_cache, "KEY_PREFIX": "pages"}
    if _shared_cache
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        # Pages are stored compressed (a talk page with its charts: about 40 KB).
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
# Visitors who are not signed in share stored copies of pages (seminar_site/page_cache.py).
PAGE_CACHE_ALIAS = "pages"
# What changes without a signal (an edited image, a talk becoming past) shows within this.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "60"))
# The file whose token invalidates every process's pages on one host; empty: one in the
# system's temporary directory, named after the database.
PAGE_CACHE_STAMP_FILE = os.environ.get("PAGE_CACHE_STAMP_FILE", "")
# Never stored: the admin, the API (runs in progress), files, documents (may be private).
PAGE_CACHE_EXCLUDED_PATHS = ("/admin/", "/api/", "/static/", "/media/", "/documents/")
# A CDN or Varnish in front, purged on publication and when a page's runs change: e.g.
# FRONTEND_CACHE_URL=http://varnish:6081 (Wagtail's HTTP PURGE backend); see the README.
WAGTAILFRONTENDCACHE = (
    {
        "default": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": os.environ["FRONTEND_CACHE_URL"],
        }
    }
    if os.environ.get("FRONTEND_CACHE_URL")
    else {}
)

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Seminar"
# The one login is Wagtail's: the presenter view sends a signed-out editor there and back.
LOGIN_URL = "wagtailadmin_login"
# Slugs in ASCII: a title's "2η" must not become "%CE%B7" in every link that is shared.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["pdf", "pptx", "key", "odp", "zip"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]

# The host part of iCalendar UIDs: fixed so a talk's UID survives a change of site host name.
CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "seminar.example.org")

TASKS = {
    # Wagtail's own small jobs (search index, reference index) run inline, so a published talk
    # is searchable at once and never waits behind a demo run.
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    # Demo runs wait in the database until `manage.py demo_worker` claims one;
    # on PostgreSQL any number of workers on any number of hosts share the queue
    # (SELECT ... FOR UPDATE SKIP LOCKED).
    "demos": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    # Email notices have a queue and a worker of their own (`manage.py notices_worker`), so a
    # speaker's live demo never waits behind a batch of emails.
    "notices": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

# Limits on demo runs. Finished runs are always served; these bound new work only.
# Each demo predicts its running time; a visitor's parameters over this many predicted
# seconds are refused (422 naming the field to lower); editors (the presenter, default charts)
# get the larger budget.
DEMO_VISITOR_SECONDS = float(os.environ.get("DEMO_VISITOR_SECONDS", "30"))
DEMO_EDITOR_SECONDS = float(os.environ.get("DEMO_EDITOR_SECONDS", "60"))
# A run stops after this much CPU time (its parameters' fault: it fails for good) ...
DEMO_RUN_TIME_LIMIT = float(os.environ.get("DEMO_RUN_TIME_LIMIT", "120"))  # seconds per run
# ... or this much wall time with less CPU (the host stalled it: it stays retryable).
DEMO_RUN_WALL_LIMIT = float(os.environ.get("DEMO_RUN_WALL_LIMIT", "360"))
# A running run whose worker has not reported for this long is presumed lost and retried.
DEMO_RUN_STALE_AFTER = float(os.environ.get("DEMO_RUN_STALE_AFTER", "30"))  # seconds
DEMO_RUN_ATTEMPTS = int(os.environ.get("DEMO_RUN_ATTEMPTS", "2"))  # then it is marked failed
DEMO_RATE_LIMIT = int(os.environ.get("DEMO_RATE_LIMIT", "10"))  # new runs per client ...
DEMO_RATE_WINDOW = int(os.environ.get("DEMO_RATE_WINDOW", "60"))  # ... per this many seconds
# Runs one client may have waiting or running at once, so two cannot crowd out a third.
DEMO_CLIENT_RUN_LIMIT = int(os.environ.get("DEMO_CLIENT_RUN_LIMIT", "2"))
DEMO_QUEUE_LIMIT = int(os.environ.get("DEMO_QUEUE_LIMIT", "20"))  # visitors' runs in all
# A presenter's or a talk's default run waiting this long makes a visitor's run step aside.
DEMO_PREEMPT_GRACE = float(os.environ.get("DEMO_PREEMPT_GRACE", "1"))  # seconds
# Threads torch may use per worker: one keeps several workers on a small host from thrashing.
DEMO_TORCH_THREADS = int(os.environ.get("DEMO_TORCH_THREADS", "1"))
# Workers report every few seconds; with none heard from for this long, a run waiting this
# long says so, and a task row its worker left RUNNING is marked failed (then pruned).
DEMO_WORKER_SILENT_AFTER = float(os.environ.get("DEMO_WORKER_SILENT_AFTER", "60"))
DEMO_TASK_RESULTS_KEPT_DAYS = int(os.environ.get("DEMO_TASK_RESULTS_KEPT_DAYS", "7"))
# Behind a proxy, the request header holding the visitor's address (e.g. HTTP_X_FORWARDED_FOR,
# of which the last entry, added by your proxy, is used); empty means REMOTE_ADDR.
DEMO_CLIENT_IP_HEADER = os.environ.get("DEMO_CLIENT_IP_HEADER", "")

# Email. Production reads the SMTP server from the environment (see the README); development
# and `make run` print emails to the console (settings/dev.py).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "false").lower() == "true"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Seminar <seminar@localhost>")

# Email subscriptions (subscriptions/). A link to confirm lasts this long; an unconfirmed
# subscription is deleted after it.
SUBSCRIPTION_CONFIRM_HOURS = int(os.environ.get("SUBSCRIPTION_CONFIRM_HOURS", "48"))
# Subscribe requests per hour from one address and from one client (network address).
SUBSCRIPTION_RATE_PER_ADDRESS = int(os.environ.get("SUBSCRIPTION_RATE_PER_ADDRESS", "3"))
SUBSCRIPTION_RATE_PER_CLIENT = int(os.environ.get("SUBSCRIPTION_RATE_PER_CLIENT", "10"))
# Notices sent per minute at most (the mail provider's limit), in batches of this many.
NOTICES_PER_MINUTE = int(os.environ.get("NOTICES_PER_MINUTE", "600"))
NOTICES_BATCH_SIZE = int(os.environ.get("NOTICES_BATCH_SIZE", "100"))
NOTICES_MAX_ATTEMPTS = int(os.environ.get("NOTICES_MAX_ATTEMPTS", "5"))  # then it is failed
# How often the notices worker looks for due reminders and unsent notices (seconds).
NOTICES_POLL_SECONDS = float(os.environ.get("NOTICES_POLL_SECONDS", "60"))
# Optional mailto: address for List-Unsubscribe beside the one-click https URL.
NOTICES_UNSUBSCRIBE_MAILTO = os.environ.get("NOTICES_UNSUBSCRIBE_MAILTO", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
