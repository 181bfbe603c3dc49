"""Configuration from the environment (MOTCUA_*), with safe defaults for a single machine."""

from __future__ import annotations

import os

from engine.db.session import database_url_from_env
from engine.org.security import server_secret
from engine.settings import env_int


def from_env() -> dict:
    https = os.environ.get("MOTCUA_HTTPS", "0") == "1"
    return {
        "SECRET_KEY": server_secret(),
        "DATABASE_URL": database_url_from_env(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        # The citizens' base URL in QR codes and printed links; unset: the request's own (scheme and host, through the
        # reverse proxies counted in MOTCUA_PROXY_HOPS), so a QR code never points to 127.0.0.1 by mistake.
        "PUBLIC_BASE_URL": (os.environ.get("MOTCUA_PUBLIC_URL") or "").strip() or None,
        # Several processes or servers must share one store, e.g. memcached://10.0.0.5:11211 or
        # redis://10.0.0.5:6379 (memory:// counts per process). See README "Deployment".
        "RATELIMIT_STORAGE_URI": os.environ.get("MOTCUA_RATELIMIT_STORAGE", "memory://"),
        # Reverse proxies in front (nginx: 1): their X-Forwarded-For/-Proto give the client's address and scheme.
        "PROXY_HOPS": env_int("MOTCUA_PROXY_HOPS", 0, minimum=0),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("MOTCUA_LOGIN_RATE_LIMIT", "10 per minute"),
        # Lookup PINs: one budget per client address and one per dossier code, each shared by every route that
        # tests a PIN (web.pin_limits), and a lock-out after MOTCUA_PIN_MAX_FAILURES wrong PINs in a row.
        "LOOKUP_RATE_LIMIT": os.environ.get("MOTCUA_LOOKUP_RATE_LIMIT", "20 per minute"),
        "PIN_CODE_RATE_LIMIT": os.environ.get("MOTCUA_PIN_CODE_RATE_LIMIT", "5 per minute;20 per hour"),
        "SUBMIT_RATE_LIMIT": os.environ.get("MOTCUA_SUBMIT_RATE_LIMIT", "10 per minute"),
        "MAX_CONTENT_LENGTH": env_int("MOTCUA_MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        # A form's CSRF token lapses (seconds; a working morning by default): a token copied out of an old page
        # is useless after that.
        "WTF_CSRF_TIME_LIMIT": env_int("MOTCUA_CSRF_TIME_LIMIT", 4 * 3600, minimum=60),
        "API_TITLE": "motcua API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/swagger-ui/",
    }
