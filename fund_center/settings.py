"""Settings, read from the environment.

DATABASE_URL   PostgreSQL database (default: an embedded server, see core/dbserver.py)
REDIS_URL      Redis, used as cache and Celery broker when set
CELERY_BROKER_URL  overrides the broker; with neither set, Celery tasks run eagerly
SECRET_KEY, DEBUG, ALLOWED_HOSTS, CENTER_CODE, CENTER_NAME
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fund_center.beat import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent

env_file = BASE_DIR / ".env"
if env_file.exists():
    for raw in env_file.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("TESTING", False) or "pytest" in sys.modules
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Management commands (makemigrations, check, ...) may run without a key; the web server and the Celery
# workers refuse to start without one when DEBUG is off, and `check --deploy` flags the placeholder.
MANAGEMENT_COMMAND = os.path.basename(sys.argv[0]) == "manage.py"
if not SECRET_KEY:
    if DEBUG or TESTING or MANAGEMENT_COMMAND:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# The key court API secrets are derived from (judicial.services.credentials); SECRET_KEY when unset. Changing it
# invalidates every court's key.
COURT_API_KEY = os.environ.get("COURT_API_KEY", "")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

CENTER_CODE = os.environ.get("CENTER_CODE", "DEMO01")
CENTER_NAME = os.environ.get("CENTER_NAME", "示范市住房公积金管理中心")
CENTER_FOUNDED = os.environ.get("CENTER_FOUNDED", "1991-01-01")  # no date or month before it is accepted
EXPORT_MAX_ROWS = int(os.environ.get("EXPORT_MAX_ROWS", "100000"))  # rows of one list export (core.tabular)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "simple_history",
    "django_celery_beat",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "ledger",
    "accounts",
    "deposits",
    "withdrawals",
    "loans",
    "judicial",
    "documents",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.sessions.OTPMiddleware",  # django-otp's, its device read through kept SQL
    "core.middleware.StaffSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.BusinessDateMiddleware",
    "core.middleware.IntegrityConflictMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fund_center.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.center",
            ],
            "builtins": ["core.templatetags.remembered_urls"],  # {% url %}, its URLs reversed once
        },
    },
]
WSGI_APPLICATION = "fund_center.wsgi.application"

_database_url = os.environ.get("DATABASE_URL", "").strip()
if not _database_url:  # no server named: start (or attach to) the embedded PostgreSQL server
    from core import dbserver

    _database_url = dbserver.database_url(testing=TESTING)
DATABASES = {  # a kept connection is checked before a request reuses it: a dropped one is replaced, not an error
    "default": dj_database_url.parse(_database_url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
                                     conn_health_checks=True)
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...).")
if env_bool("DB_SERVER_SIDE_BINDING", True):
    # Server-side binding and prepared statements: a connection parses and plans the statements it repeats
    # (postings, lookups) once. Django leaves preparing off for connection poolers in transaction mode: set
    # DB_PREPARE_THRESHOLD to an empty value behind such a pooler.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    _threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5").strip()
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = int(_threshold) if _threshold else None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"



def redis_caches(url):
    """The cache settings with Redis at ``url`` (also used by the Redis tests). Short timeouts: a Redis that is
    down or unreachable fails fast, and the code that uses the cache degrades (API throttling)."""
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}


REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.sessions.UserBackend",  # Django's ModelBackend, the session's user read through kept SQL
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False  # no banner on every management command; lockouts are still logged

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
FORMAT_MODULE_PATH = ["fund_center.formats"]  # one date format (YYYY-MM-DD) in both languages, admin included
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_ROOT = BASE_DIR / "static" / "root"  # files served at the site root, e.g. /favicon.ico


def media_storage(env) -> dict:
    """Where uploaded documents (and issued PDFs) are stored, from the environment: ``MEDIA_STORAGE=filesystem``
    (default) keeps them under ``MEDIA_ROOT``, a persistent volume shared by the web server and the worker;
    ``MEDIA_STORAGE=s3`` puts them in S3-compatible object storage (django-storages) for deployments on several
    machines. See docs/operations.md (backup and restore)."""
    kind = env.get("MEDIA_STORAGE", "filesystem").strip() or "filesystem"
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured("MEDIA_STORAGE must be 'filesystem' or 's3'.")
    if not env.get("MEDIA_S3_BUCKET"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET.")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env["MEDIA_S3_BUCKET"],
        "endpoint_url": env.get("MEDIA_S3_ENDPOINT_URL") or None,  # e.g. MinIO or a provider's endpoint
        "region_name": env.get("MEDIA_S3_REGION") or None,
        "access_key": env.get("MEDIA_S3_ACCESS_KEY_ID") or None,
        "secret_key": env.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
        "location": env.get("MEDIA_S3_PREFIX", "media"),
        "default_acl": "private",  # documents are personal data: never public, served through the application
        "file_overwrite": False,  # a second upload with the same name never replaces evidence
        "querystring_auth": True,
        "querystring_expire": 300,
    }}


STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "core.static_storage.StaticStorage"  # WhiteNoise's compressed manifest storage, URLs remembered
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.ResilientUserRateThrottle"],  # without the cache: let through
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("API_USER_RATE", "600/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Housing provident fund center API",
    "DESCRIPTION": "REST API for courts, partner centers, banks and employers' payroll systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None  # nothing waits on a task's result: batch runs record their progress in the database
# A broker that is down fails a send quickly (the run is recorded and a beat sweep sends it later).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 3600
CELERY_TASK_SOFT_TIME_LIMIT = 3300
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

# Content-Security-Policy on every response (django-csp): scripts, styles, images and fonts only from this site,
# no inline script and no eval, nothing framed, forms posted only here. Inline style attributes (progress bars)
# stay allowed; <style> elements do not. An uploaded document is served with its own sandboxing policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Verified repayments of the center's own loans for loan-repayment withdrawals (withdrawals may not import loans).
LOAN_REPAYMENT_SOURCE = "loans.selectors.verified_repayments"
# Loan bans after a fraud finding, recorded by withdrawals, for the loan eligibility rules (loans may not import
# withdrawals).
LOAN_BAN_SOURCE = "withdrawals.selectors.loan_ban_until"
# Repaying the center's loans from fund accounts (loans.services.fund_repayments): the standing run's monthly offset
# (按月冲还贷) and 一键还贷 are withdrawals that call the loans module here; the set-up reads the loan's accounts.
LOAN_OFFSET_TARGET = "loans.services.fund_repayments.offset_installments"
LOAN_FUND_TARGET = "loans.services.fund_repayments.pay_from_fund"
LOAN_OFFSET_SOURCE = "loans.selectors.offset_accounts"
# The loans with an active monthly offset (a queryset of contract numbers), for loans (e.g. the bank debit run).
LOAN_OFFSET_CONTRACTS = "withdrawals.selectors.loan_offset_contracts"
# Homes the family owns in the city (real-estate registry extract of withdrawals) for 认房认贷 in loan eligibility.
LOAN_PROPERTY_SOURCE = "withdrawals.selectors.homes_owned"
# The withdrawal ground a person meets now, for court deductions (judicial may not import withdrawals).
JUDICIAL_WITHDRAWAL_CONDITION_SOURCE = "withdrawals.selectors.judicial_withdrawal_condition"
# A court deduction is recorded as a withdrawal (reason 10) in the transaction of its posting, completed when the bank
# pays the court and cancelled when the payment comes back (judicial may not import withdrawals).
JUDICIAL_DEDUCTION_WITHDRAWAL = {
    "record": "withdrawals.services.court.record_court_deduction",
    "settled": "withdrawals.services.court.court_deduction_settled",
    "returned": "withdrawals.services.court.court_deduction_returned",
}
# The loans' close of business records each deduction from a fund account for an overdue loan as a completed
# withdrawal (reason 25) in the transaction of its posting (loans may not import withdrawals).
LOAN_RECOVERY_WITHDRAWAL = "withdrawals.services.recovery.record_loan_recoveries"
# The statutory retirement date (the 2025 schedule, a pure function of the loans calculations) for the withdrawal
# rules' retirement ground (withdrawals may not import loans).
WITHDRAWALS_RETIREMENT_DATE_SOURCE = "loans.calculations.terms.retirement_date"
# Long work runs as a background batch run with a progress bar above these sizes (smaller runs stay synchronous):
# the reconciliation from the staff page (journal lines, the planner's estimate), the matching of bank receipts
# (receipts waiting), a remittance list upload (rows in the file), a bank statement import (rows in the file).
LEDGER_RECONCILE_BACKGROUND_LINES = int(os.environ.get("LEDGER_RECONCILE_BACKGROUND_LINES", "2000000"))
DEPOSITS_MATCH_BACKGROUND_LINES = int(os.environ.get("DEPOSITS_MATCH_BACKGROUND_LINES", "500"))
DEPOSITS_UPLOAD_BACKGROUND_ROWS = int(os.environ.get("DEPOSITS_UPLOAD_BACKGROUND_ROWS", "5000"))
LEDGER_STATEMENT_BACKGROUND_ROWS = int(os.environ.get("LEDGER_STATEMENT_BACKGROUND_ROWS", "5000"))
# The parts of the staff home (core.dashboard; core may not import the apps): each module's panel(viewer=) gives
# the viewer's queue counts, today's figures and charts; its JOBS name the app's batch runs. Deposits come before
# withdrawals so the monthly chart lists them first.
# The staff home's monthly charts are cached this long (seconds; 0: read on every visit, as the tests do).
HOME_CHART_CACHE_SECONDS = int(os.environ.get("HOME_CHART_CACHE_SECONDS", "0" if TESTING else "300"))
HOME_PANELS = ["ledger.dashboard", "deposits.dashboard", "withdrawals.dashboard", "loans.dashboard",
               "judicial.dashboard", "documents.dashboard"]
# Panels of higher layers on the staff account page (accounts may not import them): each callable takes the viewer
# and the account and returns None or a dict with the "template" to include and its context.
ACCOUNT_PAGE_PANELS = ["accounts.cases.account_panel", "judicial.selectors.account_panel",
                       "documents.selectors.account_panel"]
# The kinds of case of the staff case search (accounts.cases: accounts may not import the apps that declare them),
# in the order of the kind filter.
CASE_SEARCH_SOURCES = [
    "withdrawals.cases.WITHDRAWALS",
    "loans.cases.LOAN_APPLICATIONS",
    "loans.cases.LOAN_CONTRACTS",
    "judicial.cases.JUDICIAL_REQUESTS",
    "deposits.cases.REMITTANCES",
    "deposits.cases.DEFERRALS",
    "deposits.cases.BASE_ADJUSTMENTS",
]
# New cases a member of staff may start from the account page: each callable takes the viewer and the account and
# returns the links (accounts.cases.CaseAction) their role may use.
ACCOUNT_CASE_STARTS = ["withdrawals.cases.account_starts", "loans.cases.account_starts"]

# Certificates (documents): the center's signing certificate for PAdES signatures, a PKCS#12 file and its
# password. Unset with DEBUG or TESTING: a demo certificate generated under .signing/ (git-ignored) by
# `manage.py documents_demo_cert` (run by `make demo`), or on first use.
DOCUMENTS_SIGNING_P12 = os.environ.get("DOCUMENTS_SIGNING_P12", "").strip()
DOCUMENTS_SIGNING_P12_PASSWORD = os.environ.get("DOCUMENTS_SIGNING_P12_PASSWORD", "")
DOCUMENTS_DEMO_SIGNING_DIR = Path(os.environ.get("DOCUMENTS_DEMO_SIGNING_DIR", BASE_DIR / ".signing"))
# The address printed under a certificate's QR code when it is issued outside a request (e.g. a batch job).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The public verification page: requests per client address and minute, and the largest PDF one may upload.
DOCUMENTS_VERIFY_RATE_PER_MINUTE = int(os.environ.get("DOCUMENTS_VERIFY_RATE_PER_MINUTE", "30"))
DOCUMENTS_UPLOAD_MAX_BYTES = int(os.environ.get("DOCUMENTS_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))

SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "core.sessions"  # Django's database sessions, their query compiled once (and the user's)
# The largest request body accepted (MB), refused before it is read: room for an application's scans.
REQUEST_BODY_MAX_MB = int(os.environ.get("REQUEST_BODY_MAX_MB", "100"))
# Staff sessions end after 30 minutes without a request (core.middleware.StaffSecurityMiddleware).
STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("STAFF_SESSION_IDLE_SECONDS", "1800"))
# Staff whose roles move money or approve (core.roles.TWO_FACTOR_ROLES) must pass a TOTP check after the password.
# On everywhere; the tests turn it on where they test it (most tests log staff in without a second factor).
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", not TESTING)
OTP_TOTP_ISSUER = CENTER_NAME
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pgserver": {"level": "WARNING"},
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    AXES_ENABLED = env_bool("AXES_ENABLED", False)
    # Tests run tasks in-process; a separate test checks the Redis broker itself.
    CELERY_TASK_ALWAYS_EAGER = True
