"""Django settings for ``clinic-web``, built from the clinic database URL (no settings file).

:func:`configure` must run once per process before Django is used. The database is the
only shared state: sessions, users, the login throttle and the signing secret all live in
it, so any number of workers or hosts can serve behind one PostgreSQL.

Cookies are HttpOnly and SameSite=Lax always; ``secure=True`` (behind the TLS reverse
proxy, docs/clinic-server.md#reverse-proxy) also marks them Secure, trusts the proxy's
``X-Forwarded-Proto: https`` and sends HSTS.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import django
from django.conf import settings

HERE = Path(__file__).resolve().parent
SESSION_AGE_S = 8 * 3600          # a working day; the session ends at logout or after this


def database_settings(db: str) -> dict[str, Any]:
    """Django DATABASES['default'] for a SQLite path (or ``sqlite:///path``) or a ``postgresql://`` URL."""
    if db.startswith(("postgresql://", "postgres://")):
        u = urlsplit(db)
        opts = dict(parse_qsl(u.query))
        return {"ENGINE": "django.db.backends.postgresql", "NAME": unquote(u.path.lstrip("/")) or "postgres",
                "USER": unquote(u.username or ""), "PASSWORD": unquote(u.password or ""),
                "HOST": u.hostname or "", "PORT": str(u.port or ""), "OPTIONS": opts,
                "CONN_MAX_AGE": 300, "CONN_HEALTH_CHECKS": True}
    path = db[len("sqlite://"):] if db.startswith("sqlite://") else db
    # WAL is already set on the file by the receiver's store; the busy timeout covers its writes.
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(Path(path).resolve()),
            "OPTIONS": {"timeout": 10, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL"}}


def build(db: str, *, secure: bool = False, debug: bool = False,
          allowed_hosts: tuple[str, ...] = ("*",)) -> dict[str, Any]:
    """The settings dict (pure; see :func:`configure`)."""
    return {
        "DEBUG": debug,
        "ALLOWED_HOSTS": list(allowed_hosts),
        # Placeholder until the real key is read from the database (clinic.web.bootstrap.load_secret).
        "SECRET_KEY": "not-yet-loaded-" + "x" * 40,
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                           "clinic.web.apps.ClinicWebConfig"],
        "MIDDLEWARE": ["django.middleware.security.SecurityMiddleware",
                       "clinic.web.middleware.ContentSecurityPolicy",
                       "django.contrib.sessions.middleware.SessionMiddleware",
                       "django.middleware.common.CommonMiddleware",
                       "django.middleware.csrf.CsrfViewMiddleware",
                       "django.contrib.auth.middleware.AuthenticationMiddleware",
                       "django.contrib.auth.middleware.LoginRequiredMiddleware",
                       "django.middleware.clickjacking.XFrameOptionsMiddleware"],
        "ROOT_URLCONF": "clinic.web.urls",
        "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
                       "APP_DIRS": True,
                       "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                          "django.contrib.auth.context_processors.auth",
                                                          "django.template.context_processors.csrf"]}}],
        "DATABASES": {"default": database_settings(db)},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.Argon2PasswordHasher"],
        "AUTH_PASSWORD_VALIDATORS": [
            {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
            {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"}],
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "SESSION_COOKIE_NAME": "clinicweb_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_AGE": SESSION_AGE_S,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "CSRF_COOKIE_NAME": "clinicweb_csrf",
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": secure,
        "CSRF_FAILURE_VIEW": "clinic.web.views.csrf_failure",
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if secure else None,
        "SECURE_HSTS_SECONDS": 31536000 if secure else 0,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "LOGIN_URL": "/login/",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "USE_I18N": False,
        "LOGGING_CONFIG": None,
        "STATIC_ROOT": str(HERE / "static"),
    }


def configure(db: str, **kwargs: Any) -> None:
    """Configure Django for ``db`` and set it up (once per process)."""
    if not settings.configured:
        settings.configure(**build(db, **kwargs))
    django.setup()
