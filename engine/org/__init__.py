"""The organisation and who may act: agencies, units, users and their roles, tokens and passwords, the actor
of a request, the authority rules (authz.py, the one place that decides) and the security audit log.
May import: engine.context, engine.clock, engine.db and the shared modules (errors, enums, settings…)."""
