"""The public blueprint, apart from its routes so that they can import it without a cycle."""

from flask import Blueprint

from web import display

bp = Blueprint("public", __name__)
display.install(bp)
