"""Persistence: SQLAlchemy 2 models, sessions and migrations. Tables are designed for queries at scale."""
