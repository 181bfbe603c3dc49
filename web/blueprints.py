"""The page blueprints, one per audience (the REST API's are listed in web/api/__init__.py)."""

from __future__ import annotations

from flask import Blueprint


def page_blueprints() -> list[Blueprint]:
    from web.designer import bp as designer
    from web.officer import bp as officer
    from web.public import bp as public

    return [officer, public, designer]
