"""Citizens' pages: home, lookup by code + PIN, online submission. No account needed."""

from web.public import pages  # noqa: F401  (routes register on import)
from web.public.blueprint import bp
