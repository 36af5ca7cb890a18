"""Django settings for hotline.

Everything a deployment changes comes from ``HOTLINE_*`` environment variables, so
the embedded default (SQLite in the working directory) needs no configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from hotline import bounds, dburl
from hotline.keys import django_secret_key

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("HOTLINE_DATA_DIR", Path.cwd()))

DEBUG = os.environ.get("HOTLINE_DEBUG", "") == "1"
# HOTLINE_SECRET_KEY, else this installation's own random key file (hotline.keys).
SECRET_KEY = django_secret_key(DATA_DIR)
ALLOWED_HOSTS = [
    h for h in os.environ.get("HOTLINE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "hotline.org",
    "hotline.audit",
    "hotline.tickets",
    "hotline.triage",
    "hotline.routing",
    "hotline.sla",
    "hotline.knowledge",
    "hotline.analytics",
    "hotline.demo",
    "hotline.web",
    "hotline.open311",
    "hotline.channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "hotline.web.middleware.limit_request_size",
    "hotline.web.middleware.refuse_nul_bytes",
    "hotline.web.middleware.method_not_allowed_page",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hotline.urls"
CSRF_FAILURE_VIEW = "hotline.web.views.errors.csrf_failure"
WSGI_APPLICATION = "hotline.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": dburl.parse(os.environ.get("HOTLINE_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

LANGUAGE_CODE = "zh-hans"
# Chinese only: a browser or phone set to English must not turn Django's own words (form
# errors, the admin) into English for the clerks and citizens who read them.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Static files are served by WhiteNoise straight from the apps (no collectstatic step
# for the embedded start); a deployment may still collect them to HOTLINE_STATIC_ROOT.
STATIC_ROOT = os.environ.get("HOTLINE_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
LOGIN_URL = "/login/"
# Citizens' uploaded photos; served only through the scoped ticket page, never directly.
MEDIA_ROOT = os.environ.get("HOTLINE_MEDIA_ROOT") or str(DATA_DIR / "media")
# Bodies are capped before they are read (hotline.bounds, web.middleware.limit_request_size);
# Django's own limits agree with those caps. An upload past 1 MB waits in a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = bounds.MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = bounds.MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FILES = bounds.MAX_FILES
FILE_UPLOAD_HANDLERS = [
    "hotline.web.middleware.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Map tiles for the leader's map: empty means no tiles (an approved source must be set).
HOTLINE_MAP_TILES = os.environ.get("HOTLINE_MAP_TILES", "")

# HOTLINE_HTTPS=1: the platform is reached over HTTPS only (directly or through a proxy
# that sets X-Forwarded-Proto): cookies are sent over HTTPS only, browsers are told to
# keep to HTTPS for a year (HSTS), and plain HTTP is redirected.
HTTPS = os.environ.get("HOTLINE_HTTPS", "") == "1"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The health probe of a load balancer speaks plain HTTP on the inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Passwords, wherever they are set (``hotline user create``, the password page, the
# admin): Django's validators, whose messages Django translates to zh-hans.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "phone", "email")},
    },
    {"NAME": "hotline.org.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed attempts at a secret allowed per sliding window, as "failures/minutes"
# (hotline.org.throttle; each overridable, e.g. HOTLINE_LIMIT_LOGIN_ACCOUNT=5/15): per
# account and per client address on every sign-in; per ticket (by phone's last four
# digits) and per client address on the citizens' lookup.
HOTLINE_LIMITS = {
    name: os.environ.get(f"HOTLINE_LIMIT_{name.upper()}", default)
    for name, default in {
        "login_account": "5/15",
        "login_address": "30/15",
        "lookup_ticket": "5/1440",
        "lookup_address": "20/60",
    }.items()
}
# Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated); the
# client is the right-most address in it that is not one of them. Empty: REMOTE_ADDR.
HOTLINE_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("HOTLINE_TRUSTED_PROXIES", "").split(",") if p.strip()
]

# The audit log's anchor outside the database (docs/audit.md): the Ed25519 key that signs
# tree heads (`hotline audit keygen`), the folder of signed checkpoints, an optional URL
# that receives a copy of each, and how often the worker makes one when the log grew.
HOTLINE_AUDIT_KEY = os.environ.get("HOTLINE_AUDIT_KEY") or str(DATA_DIR / "hotline-audit.key")
HOTLINE_AUDIT_CHECKPOINTS = os.environ.get("HOTLINE_AUDIT_CHECKPOINTS") or str(DATA_DIR / "audit-checkpoints")
HOTLINE_AUDIT_WEBHOOK = os.environ.get("HOTLINE_AUDIT_WEBHOOK", "")
HOTLINE_AUDIT_CHECKPOINT_MINUTES = float(os.environ.get("HOTLINE_AUDIT_CHECKPOINT_MINUTES", "5"))

# The SMS gateway's pushes (/channels/sms/, /channels/sms/report/, docs/sms.md) are signed
# with this shared secret (HMAC-SHA256, at least 32 characters). Unset: both answer 404.
HOTLINE_SMS_SECRET = os.environ.get("HOTLINE_SMS_SECRET", "")

# Open311's jurisdiction_id (docs/open311.md): set, a request naming another one is a 404.
HOTLINE_OPEN311_JURISDICTION = os.environ.get("HOTLINE_OPEN311_JURISDICTION", "")

# The WeChat official account's message server (/channels/wechat/): the Token and AppID
# set in its developer settings, and its EncodingAESKey for safe mode. No token or AppID:
# the endpoint answers 404. With a key, only safe-mode (encrypted) messages are taken.
HOTLINE_WECHAT_TOKEN = os.environ.get("HOTLINE_WECHAT_TOKEN", "")
HOTLINE_WECHAT_APPID = os.environ.get("HOTLINE_WECHAT_APPID", "")
HOTLINE_WECHAT_AES_KEY = os.environ.get("HOTLINE_WECHAT_AES_KEY", "")

# The 110 link (/channels/police/, docs/police.md): 110's base URL (hand-offs to
# {url}/handoffs, results to {url}/results) and the shared HMAC secret (>= 32 characters)
# both ways. Either unset: the link is off (the endpoint answers 404, 转110 sends nothing).
HOTLINE_POLICE_URL = os.environ.get("HOTLINE_POLICE_URL", "")
HOTLINE_POLICE_SECRET = os.environ.get("HOTLINE_POLICE_SECRET", "")
HOTLINE_POLICE_TIMEOUT = float(os.environ.get("HOTLINE_POLICE_TIMEOUT", "5"))

# API tokens live this long; a new login issues a new one.
HOTLINE_TOKEN_TTL_HOURS = int(os.environ.get("HOTLINE_TOKEN_TTL_HOURS", "720"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HOTLINE_LOG_LEVEL", "WARNING")},
}
