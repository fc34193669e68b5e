"""Persistence: SQLAlchemy models, engine/session setup, queries and migrations."""
