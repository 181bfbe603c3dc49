"""REST API under /api/v1 (flask-smorest: marshmallow schemas and the OpenAPI document)."""

from __future__ import annotations

from flask_smorest import Api, Blueprint

API_PREFIX = "/api/v1"


def blueprints() -> list[Blueprint]:
    from web.api import designer, documents, dossiers, procedures, public, reports, tasks
    from web.api import nonconformities, worklists

    return [procedures.blp, dossiers.blp, documents.blp, tasks.blp, public.blp, documents.citizen, reports.blp,
            designer.blp, nonconformities.blp, worklists.blp]


def register(api: Api) -> None:
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for blueprint in blueprints():
        api.register_blueprint(blueprint, url_prefix=API_PREFIX + blueprint.url_prefix)
