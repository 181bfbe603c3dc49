"""The Content-Security-Policy of every response: scripts only from this site (no inline script, no inline event
handler: web/static/js/app.js binds what the pages need), styles from this site or a <style> carrying the
request's nonce (the printed forms' @font-face and @page), nothing framed, forms posted only here. Two pages get
their own policy: the Swagger UI (its page is flask-smorest's, with an inline start-up script) and the designer's
modeler (bpmn-js sets style attributes on the diagram it draws)."""

from __future__ import annotations

import secrets

from flask import Flask, g, request

NONCE_BYTES = 16
SELF = "'self'"


def csp_nonce() -> str:
    """This request's nonce, for a template's <style nonce="{{ csp_nonce() }}">."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
    return g.csp_nonce


def _policy(script_src: str, style_src: str) -> str:
    return "; ".join([
        f"default-src {SELF}", f"script-src {script_src}", f"style-src {style_src}", f"img-src {SELF} data:",
        f"font-src {SELF}", f"connect-src {SELF}", "object-src 'none'", "base-uri 'none'", f"form-action {SELF}",
        "frame-ancestors 'none'",
    ])


def policy_for(path: str, swagger_ui_path: str, nonce: str) -> str:
    if path == swagger_ui_path:
        return _policy(f"{SELF} 'unsafe-inline'", f"{SELF} 'unsafe-inline'")
    if path.startswith("/designer/"):
        return _policy(SELF, f"{SELF} 'unsafe-inline'")
    return _policy(SELF, f"{SELF} 'nonce-{nonce}'")


def register(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    swagger = "/" + "/".join(part.strip("/") for part in (app.config.get("OPENAPI_URL_PREFIX") or "",
                                                          app.config.get("OPENAPI_SWAGGER_UI_PATH") or "") if part)

    @app.after_request
    def _content_security_policy(response):
        response.headers.setdefault("Content-Security-Policy", policy_for(request.path, swagger, csp_nonce()))
        return response
