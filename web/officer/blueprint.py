"""The officer blueprint, apart from its routes so that they can import it without a cycle."""

from flask import Blueprint

from web import display

bp = Blueprint("officer", __name__, url_prefix="/officer")
display.install(bp)
