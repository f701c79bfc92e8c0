"""Settings for the voyages apprenants booking platform.

One module, read from the environment (12-factor). With no environment at all the project runs
on SQLite under ``var/``, with Celery tasks executed eagerly and e-mail printed to the console.
Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, ``DEBUG=0`` and ``ALLOWED_HOSTS``.
"""

from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# A development-only key: the ``core.E001`` system check refuses to run with it when DEBUG is off.
INSECURE_SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_SECRET_KEY)
# Former keys, still accepted for sessions and signatures while a new key is rolled out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DEBUG", default=True)
# Local names by default in development only: production must name its hosts (core.E002).
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Every token link, feed, e-mail and QR code is built on it; `PORT=8080 make run` serves there.
DEV_SITE_URL = f"http://127.0.0.1:{env.int('PORT', default=8000)}"
SITE_URL = env.str("SITE_URL", default=DEV_SITE_URL).rstrip("/")

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it comes before django.contrib.admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "itineraries",
    "bookings",
    "payments",
    "invoicing",
    "einvoicing",
    "procurement",
    "guides",
    "visits",
    "legal",
    "resources",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Gzip, for the answers marked Cache-Control: public only (core/compression.py, BREACH).
    "core.compression.PublicGZipMiddleware",
    "core.middleware.BodySizeLimitMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: locks out repeated failed sign-ins (admin and guides).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "legal.context.footer_links",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # IMMEDIATE transactions take SQLite's write lock at BEGIN, so "lock, count, write" services
    # are serialised on the embedded database just as select_for_update() does on PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"transaction_mode": "IMMEDIATE", "timeout": 20})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction mode (docs/operations.md), a connection is handed to another
    # client between transactions: nothing may outlive one. Django's psycopg cursors bind on the
    # client side (no prepared statements) and the services keep no session state; only server-
    # side cursors (``QuerySet.iterator()``) would, so they are turned off.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DATABASE_BEHIND_TRANSACTION_POOLER", default=False
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down means slower, never broken: see core/cache_backend.py.
            "BACKEND": "core.cache_backend.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "va",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Two speed-ups lean on a library's internals, each checked against a range of versions
# (core/internals.py); each can be turned off, and the library's plain path serves instead.
COMPILED_QUERIES = env.bool("COMPILED_QUERIES", default=True)  # core/sql.py, Django
SERIALIZER_FIELD_PROTOTYPES = env.bool("SERIALIZER_FIELD_PROTOTYPES", default=True)  # DRF

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Paris"
CELERY_TASK_ACKS_LATE = True
# Publishing a task never holds a request for long: when the broker is down, core.tasks.enqueue
# runs the task in the request instead (see there).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "expire-booking-holds": {"task": "bookings.tasks.expire_holds", "schedule": 300.0},
    "release-expired-quote-holds": {
        "task": "procurement.tasks.release_expired_quote_holds",
        "schedule": 300.0,
    },
    # Payment reminders of quoted bookings' invoices (each stage once per invoice).
    "send-invoice-reminders": {
        "task": "procurement.tasks.send_invoice_reminders",
        "schedule": 3600.0,
    },
    "purge-idempotency-keys": {"task": "core.tasks.purge_idempotency_keys", "schedule": 3600.0},
    "retry-stripe-refunds": {"task": "payments.tasks.retry_refunds", "schedule": 600.0},
    # Consequences of committed changes whose task never ran or failed (core/outbox.py).
    "sweep-consequences": {"task": "core.tasks.sweep_consequences", "schedule": 60.0},
    "purge-done-consequences": {"task": "core.tasks.purge_done_consequences", "schedule": 86400.0},
    # Personal data past its retention (docs/operations.md): nightly is plenty, days matter here.
    "apply-booking-retention": {"task": "bookings.tasks.apply_retention", "schedule": 86400.0},
    "prune-stripe-payloads": {"task": "payments.tasks.prune_stripe_payloads", "schedule": 86400.0},
    # "My bookings" sign-in links and sessions past their expiry (bookings/signin.py).
    "purge-sign-ins": {"task": "bookings.tasks.purge_sign_ins", "schedule": 3600.0},
    # Statuses of invoices deposited in Chorus Pro (einvoicing/tasks.py); each delivery is
    # consulted at most hourly, later after portal errors (backoff).
    "follow-einvoice-deliveries": {"task": "einvoicing.tasks.follow_deliveries", "schedule": 900.0},
    # The staff's morning e-mail of deliveries rejected, suspended or stuck (einvoicing/summary.py).
    "einvoicing-daily-summary": {
        "task": "einvoicing.tasks.send_daily_summary",
        "schedule": crontab(hour=7, minute=30),
    },
    # Scheduled messages to the groups (visits/messages.py): each sent once, when due.
    "send-scheduled-messages": {"task": "visits.tasks.send_scheduled_messages", "schedule": 900.0},
    # Go/no-go of public departures at their decision time (visits/go_no_go.py).
    "decide-departures": {"task": "visits.tasks.decide_departures", "schedule": 900.0},
    # Certificates of attendance issued after the visit, the organiser told once.
    "send-certificate-notices": {
        "task": "visits.tasks.send_certificate_notices",
        "schedule": 900.0,
    },
}

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed sign-ins for one user name from one address lock that pair out for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The lockout counts the client's address by the rule the throttles and idempotency use: behind
# NUM_PROXIES trusted proxies, the one they report, never the proxy's own (core/clients.py).
AXES_CLIENT_IP_CALLABLE = "core.clients.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "fr"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fr", "en")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/guide/"
# The guide page's "sign out" button posts to /accounts/logout/, which comes back to it.
LOGOUT_REDIRECT_URL = "/guide/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploaded files (quotes' signed copies and purchase orders): the filesystem by default; with
# several web nodes, an S3-compatible object store shared by all (S3_BUCKET set).
S3_BUCKET = env.str("S3_BUCKET", default="")
DEFAULT_FILE_STORAGE_BACKEND: dict[str, Any] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage"
}
if S3_BUCKET:
    DEFAULT_FILE_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            # Empty for AWS itself; the store's URL otherwise (MinIO, Garage, Scaleway, OVH...).
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            # Private objects: read through the app or by short-lived signed URLs, never public.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": DEFAULT_FILE_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "core.storage.StaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Voyages apprenants <visites@voyages-apprenants.example>"
)

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Health checks come over plain HTTP from inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    # Subdomains and the browsers' preload list are opt-in: both bind every host under the
    # domain to HTTPS for a year or more, and preloading is hard to undo. Django's deploy check
    # warns when they are off; that is the decision, not an oversight.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]

# Requests with a larger body are refused with 413 before any view runs.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=64 * 1024)
# Documents of the resources library (docs/map.md): a PDF's size cap, and the larger request
# body allowed on the admin pages that upload them.
RESOURCE_MAX_BYTES = env.int("RESOURCE_MAX_BYTES", default=20 * 1024 * 1024)
MAX_UPLOAD_BODY_BYTES = env.int("MAX_UPLOAD_BODY_BYTES", default=RESOURCE_MAX_BYTES + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
# Residents' contributions to the map (docs/map.md): the photo's size cap in bytes, the longest
# side it is re-encoded to, how long the e-mailed confirmation link works, and the area
# (south, west, north, east in degrees) a contribution may be placed in: the mining basin of
# the Nord and the Pas-de-Calais, from Auchel to Condé-sur-l'Escaut.
CONTRIBUTION_PHOTO_MAX_BYTES = env.int("CONTRIBUTION_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
CONTRIBUTION_PHOTO_MAX_SIDE = env.int("CONTRIBUTION_PHOTO_MAX_SIDE", default=1280)
CONTRIBUTION_CONFIRM_DAYS = env.int("CONTRIBUTION_CONFIRM_DAYS", default=7)
# A picture of a site or an itinerary uploaded in the admin (docs/map.md).
PICTURE_MAX_BYTES = env.int("PICTURE_MAX_BYTES", default=15 * 1024 * 1024)
CONTRIBUTION_AREA = tuple(
    env.list("CONTRIBUTION_AREA", cast=float, default=[50.25, 2.20, 50.75, 3.80])
)


def _throttle_rate(name: str, default: str) -> str | None:
    """A DRF rate such as ``600/minute``; ``off`` disables that throttle (the benchmarks)."""
    value = env.str(name, default=default)
    return None if value.lower() in ("", "off") else value


# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Sessions only: staff and guides sign in. DRF's bearer tokens (kept in clear, never
    # expiring) were removed unused; core migration 0003 drops their table.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],  # refuses absurdly nested JSON
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _throttle_rate("THROTTLE_ANON", "600/minute"),
        "user": _throttle_rate("THROTTLE_USER", "1200/minute"),
        "booking_create": _throttle_rate("THROTTLE_BOOKING_CREATE", "20/minute"),
        "booking_lookup": _throttle_rate("THROTTLE_BOOKING_LOOKUP", "120/minute"),
        # "Find my booking": per client, and per reference whoever asks (each may send a mail).
        "booking_find": _throttle_rate("THROTTLE_BOOKING_FIND", "10/hour"),
        "booking_find_reference": _throttle_rate("THROTTLE_BOOKING_FIND_REFERENCE", "5/hour"),
        # "My bookings" sign-in links: per client, and per e-mail address whoever asks.
        "my_bookings_signin": _throttle_rate("THROTTLE_MY_BOOKINGS_SIGNIN", "10/hour"),
        "my_bookings_signin_email": _throttle_rate("THROTTLE_MY_BOOKINGS_SIGNIN_EMAIL", "3/hour"),
        # The contact form: each accepted message is an e-mail to the office.
        "contact": _throttle_rate("THROTTLE_CONTACT", "5/hour"),
        "contribution": _throttle_rate("THROTTLE_CONTRIBUTION", "5/hour"),
        "contribution_link": _throttle_rate("THROTTLE_CONTRIBUTION_LINK", "30/hour"),
        "public_buyer_lookup": _throttle_rate("THROTTLE_PUBLIC_BUYER_LOOKUP", "30/minute"),
    },
    # Clients are told apart by REMOTE_ADDR; behind a reverse proxy set NUM_PROXIES=1 so that the
    # proxy's X-Forwarded-For is used, and never trust a client's own header otherwise. The
    # throttles, the sign-in lockout and idempotency all read it through core/clients.py.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.problems.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ]

SPECTACULAR_SETTINGS = {
    "TITLE": "Voyages apprenants API",
    "DESCRIPTION": (
        "Guided study visits across the former mining basin of Loos-en-Gohelle: catalogue, "
        "departures, bookings. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "itineraries.models.Language",
        "BookingStatusEnum": "bookings.models.BookingStatus",
        "DepartureStatusEnum": "itineraries.models.DepartureStatus",
        "DepartureKindEnum": "itineraries.models.DepartureKind",
        "InvoiceKindEnum": "invoicing.models.InvoiceKind",
        "DeliveryStatusEnum": "einvoicing.models.DeliveryStatus",
        "DeliveryChannelEnum": "einvoicing.models.DeliveryChannel",
        "QuoteDocumentKindEnum": "procurement.models.QuoteDocumentKind",
        "SiteCategoryEnum": "itineraries.models.SiteCategory",
        "CategoryEnum": "bookings.models.ParticipantCategory",
        "ContributionStatusEnum": "resources.models.ContributionStatus",
    },
}

# --- Domain settings ------------------------------------------------------------------------
# How long a booking holds its seats: card bookings while Stripe Checkout is open, invoice
# bookings and private-date requests while the office decides.
BOOKING_CARD_HOLD_MINUTES = env.int("BOOKING_CARD_HOLD_MINUTES", default=30)
BOOKING_REQUEST_HOLD_DAYS = env.int("BOOKING_REQUEST_HOLD_DAYS", default=7)
# Quotes (procurement): how long a quote may be accepted, and one free accompanying adult per
# this many pupils (0: no free place).
QUOTE_VALIDITY_DAYS = env.int("QUOTE_VALIDITY_DAYS", default=30)
QUOTE_PUPILS_PER_FREE_PLACE = env.int("QUOTE_PUPILS_PER_FREE_PLACE", default=10)
# Training (issue 16, item 5; docs/procurement.md, "Training"). The seller's declaration of
# activity as a training organisation (numéro de déclaration d'activité, Code du travail
# L6351-1), printed on the training agreements; empty: the agreement says nothing of it.
SELLER_TRAINING_DECLARATION_NUMBER = env.str("SELLER_TRAINING_DECLARATION_NUMBER", default="")
# Whether the seller's training actions are exempt from VAT (CGI art. 261-4-4° a: the seller
# holds the attestation that allows it). Off by default: the administrator confirms it.
SELLER_TRAINING_VAT_EXEMPT = env.bool("SELLER_TRAINING_VAT_EXEMPT", default=False)
# Days before an invoice of a quoted booking falls due when its buyer is reminded (procurement).
INVOICE_REMINDER_DAYS_BEFORE = env.int("INVOICE_REMINDER_DAYS_BEFORE", default=3)
# The largest signed quote or purchase order a buyer may upload (PDF only), in bytes.
QUOTE_UPLOAD_MAX_BYTES = env.int("QUOTE_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# Endpoints taking an upload, with their request body limit (core.middleware): the file plus
# the form's few fields.
UPLOAD_BODY_LIMITS = [
    # Staff upload the library's documents through the admin (resources); Django streams large
    # multipart files to disk, not to memory.
    (r"^/admin/resources/", MAX_UPLOAD_BODY_BYTES),
    # A resident's contribution with its photo (multipart): the photo plus the form's fields.
    (r"^/api/v1/contributions/$", CONTRIBUTION_PHOTO_MAX_BYTES + MAX_REQUEST_BODY_BYTES),
    (
        r"^/api/v1/quotes/D[0-9]{4}-[0-9]{6}/(accept|purchase-order)/$",
        QUOTE_UPLOAD_MAX_BYTES + MAX_REQUEST_BODY_BYTES,
    ),
]
# No visit on the public holidays of this country (python-holidays' code; "FR" is metropolitan
# France, the Pas-de-Calais has no local ones). Staff enter other closures in the admin.
CLOSED_ON_PUBLIC_HOLIDAYS = env.bool("CLOSED_ON_PUBLIC_HOLIDAYS", default=True)
PUBLIC_HOLIDAYS_COUNTRY = env.str("PUBLIC_HOLIDAYS_COUNTRY", default="FR")
# Card payments through Stripe Checkout: off (invoice only) until STRIPE_SECRET_KEY is set.
# STRIPE_API_BASE points the SDK at another address (the tests' loopback fake).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=20.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)

# Invoices to public buyers deposited in Chorus Pro (einvoicing, docs/einvoicing.md): off until
# all seven are set. CHORUS_PRO_API_URL is the base of the documented /cpro/... paths
# (https://api.piste.gouv.fr, or https://sandbox-api.piste.gouv.fr for the qualification
# platform); CHORUS_PRO_OAUTH_URL the PISTE token endpoint
# (https://oauth.piste.gouv.fr/api/oauth/token); login and password are the technical account's.
CHORUS_PRO_API_URL = env.str("CHORUS_PRO_API_URL", default="")
CHORUS_PRO_OAUTH_URL = env.str("CHORUS_PRO_OAUTH_URL", default="")
CHORUS_PRO_CLIENT_ID = env.str("CHORUS_PRO_CLIENT_ID", default="")
CHORUS_PRO_CLIENT_SECRET = env.str("CHORUS_PRO_CLIENT_SECRET", default="")
CHORUS_PRO_LOGIN = env.str("CHORUS_PRO_LOGIN", default="")
CHORUS_PRO_PASSWORD = env.str("CHORUS_PRO_PASSWORD", default="")
CHORUS_PRO_SUPPLIER_ID = env.str("CHORUS_PRO_SUPPLIER_ID", default="")
CHORUS_PRO_TIMEOUT_SECONDS = env.float("CHORUS_PRO_TIMEOUT_SECONDS", default=20.0)
# The structure lookup (GET /api/v1/public-buyers/{siret}/, the booking's check): answers are
# cached this long; each call to the portal inside a request waits at most this long.
CHORUS_PRO_LOOKUP_CACHE_SECONDS = env.int("CHORUS_PRO_LOOKUP_CACHE_SECONDS", default=6 * 3600)
CHORUS_PRO_LOOKUP_TIMEOUT_SECONDS = env.float("CHORUS_PRO_LOOKUP_TIMEOUT_SECONDS", default=5.0)
# The seller's accredited platform (PA), when its settings (admin) name the adapter
# "afnor_flow": the base URL under which the platform serves the AFNOR XP Z12-013 Flow Service
# (/v1/flows...) and its API key (a bearer token, secret). Empty: no adapter is configured.
PA_FLOW_API_URL = env.str("PA_FLOW_API_URL", default="")
PA_FLOW_API_TOKEN = env.str("PA_FLOW_API_TOKEN", default="")
PA_FLOW_TIMEOUT_SECONDS = env.float("PA_FLOW_TIMEOUT_SECONDS", default=20.0)
# Before submitting an invoice again after an attempt whose outcome is unknown (a timeout), look
# for it at the platform (the Flow Service's search by trackingId) and adopt what it holds. Off
# only for a platform that does not serve the search: a retry may then submit it twice.
PA_FLOW_SEARCH = env.bool("PA_FLOW_SEARCH", default=True)
# The largest file staff may attach when completing a suspended invoice at Chorus Pro.
EINVOICING_ATTACHMENT_MAX_BYTES = env.int("EINVOICING_ATTACHMENT_MAX_BYTES", default=10_000_000)
# A deposited invoice whose status has not moved for this many days is logged as stuck.
EINVOICING_STUCK_DAYS = env.int("EINVOICING_STUCK_DAYS", default=15)
# What is due when booking by card: the deposit when the visit is further away than this.
PAYMENT_DEPOSIT_MIN_DAYS_BEFORE = env.int("PAYMENT_DEPOSIT_MIN_DAYS_BEFORE", default=30)
# Retention of personal data (docs/operations.md, "Personal data: retention and erasure").
# A request that never became a booking (declined, expired, cancelled before confirmation):
# its contact is erased this long after its last change.
RETENTION_UNBOOKED_REQUEST_DAYS = env.int("RETENTION_UNBOOKED_REQUEST_DAYS", default=90)
# A booking: its contact is anonymised this long after the visit (CNIL: three years after the
# end of the business relationship). Issued invoices keep their own buyer snapshot ten years.
RETENTION_BOOKING_CONTACT_DAYS = env.int("RETENTION_BOOKING_CONTACT_DAYS", default=3 * 365)
# A training booking's trainees (names) and their certificates of completion are kept this
# long after the visit, past the contact's retention: no text sets the duration; the funders'
# agreements align it on the period in which they may audit a training action, and five years
# is the common practice (docs/procurement.md, "Training").
RETENTION_TRAINING_RECORDS_DAYS = env.int("RETENTION_TRAINING_RECORDS_DAYS", default=5 * 365)
# Participants (bookings/participants.py): the group's list locks this many days before the
# visit; after that only staff change it.
PARTICIPANTS_LOCK_DAYS = env.int("PARTICIPANTS_LOCK_DAYS", default=7)
# The day-after message's survey link (visits/emails.py); none when empty.
VISIT_SURVEY_URL = env.str("VISIT_SURVEY_URL", default="")
# Stripe event payloads are pruned to ids, amounts, currency, status and type after this long.
RETENTION_STRIPE_PAYLOAD_DAYS = env.int("RETENTION_STRIPE_PAYLOAD_DAYS", default=30)
# "My bookings" (bookings/signin.py): a contact signs in by a one-time link e-mailed to it,
# valid this many minutes, and stays signed in this many days (or until it signs out).
MY_BOOKINGS_LINK_MINUTES = env.int("MY_BOOKINGS_LINK_MINUTES", default=30)
MY_BOOKINGS_SESSION_DAYS = env.int("MY_BOOKINGS_SESSION_DAYS", default=30)
# The office's emergency contact, printed on the programme the group hands to every participant.
OFFICE_NAME = env.str("OFFICE_NAME", default="Voyages apprenants de Loos-en-Gohelle")
OFFICE_PHONE = env.str("OFFICE_PHONE", default="+33 1 99 00 00 00")  # fiction range
OFFICE_EMAIL = env.str("OFFICE_EMAIL", default="visites@voyages-apprenants.example")
# Who receives the accessibility alert (visits/access_alerts.py): a group's list now has more
# people needing step-free access on an itinerary with a site lacking it. Empty: staff get none
# (the departure's guides still do).
ACCESS_ALERT_EMAIL = env.str("ACCESS_ALERT_EMAIL", default=OFFICE_EMAIL)
# Who receives the morning summary of invoice deliveries needing attention (einvoicing).
EINVOICING_SUMMARY_EMAIL = env.str("EINVOICING_SUMMARY_EMAIL", default=OFFICE_EMAIL)
# The public map (docs/map.md). Tiles come from this URL template ({z}/{x}/{y}, optional {s});
# OpenStreetMap's standard tiles by default, used within their tile usage policy (light traffic,
# the attribution shown). A busy production sets its own or a commercial tile server here. An
# empty URL shows the project's own drawing of the basin only.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
    "contributors",
)
# The licence of the open data (/api/v1/sites.geojson, /api/v1/sites.csv).
OPEN_DATA_LICENCE_NAME = env.str(
    "OPEN_DATA_LICENCE_NAME", default="Licence Ouverte / Open Licence 2.0 (Etalab)"
)
OPEN_DATA_LICENCE_URL = env.str(
    "OPEN_DATA_LICENCE_URL", default="https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
)
# What the legal pages show (legal app, docs/architecture.md "Legal pages"). The publisher's
# name, form, address, SIREN and contact come from the seller profile (invoicing, edited in the
# admin); the rest is set here. An empty value is shown as "to be completed", never invented.
LEGAL_SHARE_CAPITAL = env.str("LEGAL_SHARE_CAPITAL", default="")  # e.g. "10 000 EUR"; none for
# an association
LEGAL_REGISTRATION = env.str("LEGAL_REGISTRATION", default="")  # "RCS Arras 123 456 789" or RNA
LEGAL_PUBLICATION_DIRECTOR = env.str("LEGAL_PUBLICATION_DIRECTOR", default="")
HOSTING_PROVIDER_NAME = env.str("HOSTING_PROVIDER_NAME", default="")
HOSTING_PROVIDER_ADDRESS = env.str("HOSTING_PROVIDER_ADDRESS", default="")
HOSTING_PROVIDER_PHONE = env.str("HOSTING_PROVIDER_PHONE", default="")
# The consumer mediator the seller adheres to (Code de la consommation L612-1), named in the
# terms of sale.
CONSUMER_MEDIATOR_NAME = env.str("CONSUMER_MEDIATOR_NAME", default="")
CONSUMER_MEDIATOR_URL = env.str("CONSUMER_MEDIATOR_URL", default="")
GUIDE_TRAVEL_BUFFER_MINUTES = env.int("GUIDE_TRAVEL_BUFFER_MINUTES", default=30)
# `make bench` serves its bare baseline views from the same server (never in production).
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# JSON lines with the request id in production (plain text in development); secrets in URLs and
# headers are redacted from every record (core/logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "core.logging.RequestContextFilter"},
        "client_error": {"()": "core.logging.ClientErrorFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A forged Host header is a client's mistake, not ours: no traceback at ERROR level.
        "django.security.DisallowedHost": {
            "level": "WARNING",
            "propagate": False,
            "handlers": ["console"],
            # Django logs it at ERROR with the traceback: the filter makes it a WARNING line.
            "filters": ["client_error"],
        },
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        # Tasks run inline without a broker: one INFO line per e-mail is noise there.
        "celery.app.trace": {"level": "INFO" if REDIS_URL else "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
