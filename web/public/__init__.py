"""Citizens' pages: home, lookup by code + PIN, online submission. No account needed."""

from flask import Blueprint

from web import display

bp = Blueprint("public", __name__)
display.install(bp)

from web.public import pages  # noqa: E402,F401  (routes register on import)
