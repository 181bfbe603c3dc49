"""The Flask layer: authenticates, parses, calls an engine use case, renders. No rule lives here."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, redirect, request, send_from_directory, session, url_for
from flask_login import current_user
from swagger_ui_bundle import swagger_ui_path
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.context import EngineContext
from engine.db.session import Database
from web import config as web_config
from web import csp, errors, input_guard
from web.auth import bearer_token
from web.extensions import api as rest_api  # not "api": web.api is the REST package
from web.extensions import csrf, limiter, login_manager
from web.i18n import LANGUAGES, current_language, translate


def create_app(config: dict | None = None, context: EngineContext | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(web_config.from_env())
    app.config.update(config or {})
    app.extensions["motcua"] = context or EngineContext(Database(app.config["DATABASE_URL"]))
    if hops := app.config.get("PROXY_HOPS"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    input_guard.register(app)  # the input policy on every request, before anything reads it
    login_manager.init_app(app)
    login_manager.login_view = "officer.login"
    login_manager.login_message = None
    csrf.init_app(app)
    limiter.init_app(app)
    rest_api.init_app(app)

    from web import api as api_package
    from web.blueprints import page_blueprints

    api_package.register(rest_api)
    # Token clients need no CSRF token; browser sessions calling the API must send X-CSRFToken.
    for blueprint in api_package.blueprints():
        csrf.exempt(blueprint)

    @app.before_request
    def _csrf_for_session_api_calls():
        if (request.path.startswith(api_package.API_PREFIX) and request.method not in ("GET", "HEAD", "OPTIONS")
                and bearer_token() is None and current_user.is_authenticated):
            csrf.protect()
    for blueprint in page_blueprints():
        app.register_blueprint(blueprint)
    errors.register(app)
    csp.register(app)

    @app.context_processor
    def _template_helpers():
        return {"t": translate, "lang": current_language(), "languages": LANGUAGES}

    @app.get("/lang/<code>")
    def set_language(code: str):
        if code not in LANGUAGES:
            abort(404)
        session["lang"] = code
        target = request.referrer or url_for("public.home")
        return redirect(target if target.startswith(request.host_url) else url_for("public.home"))

    @app.get("/static/swagger-ui/<path:filename>")
    def swagger_assets(filename: str):
        return send_from_directory(Path(swagger_ui_path), filename, max_age=86400)

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
