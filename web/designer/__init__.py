"""Process designer's pages (role ``designer``): procedures and versions, the BPMN modeler with its side panel,
version diff, migration of running dossiers, package import. Designers see no dossier data."""

from web.designer import pages  # noqa: F401  (routes register on import)
from web.designer.blueprint import bp
