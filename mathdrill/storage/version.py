"""The schema version this build of mathdrill writes, without importing SQLAlchemy.

Kept apart from :mod:`mathdrill.storage.tables` (which builds SQLAlchemy tables) so that the
quick read in :mod:`mathdrill.storage.snapshot` can check a file's version cheaply.
"""

SCHEMA_VERSION = 2
"""Version of the current schema; see :mod:`mathdrill.storage.migrations` for the steps."""

SCHEMA_VERSION_KEY = "schema_version"
"""The ``meta`` table key holding a database's schema version."""
