"""Persistence: SQLAlchemy 2 models, sessions and migrations. Tables are designed for queries at scale.

May import: the shared modules (errors, enums) only; never a use case."""
