"""Process designer's pages (role ``designer``): procedures and versions, the BPMN modeler with its side panel,
version diff, migration of running dossiers, package import. Designers see no dossier data."""

from flask import Blueprint

from web import display

bp = Blueprint("designer", __name__, url_prefix="/designer")
display.install(bp)

from web.designer import pages  # noqa: E402,F401  (routes register on import)
