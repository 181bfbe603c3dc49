"""The designer blueprint, apart from its routes so that they can import it without a cycle."""

from flask import Blueprint

from web import display

bp = Blueprint("designer", __name__, url_prefix="/designer")
display.install(bp)
