"""Citizens' pages: home, lookup by code + PIN, online submission. No account needed."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from web.public import pages  # noqa: E402,F401  (routes register on import)
