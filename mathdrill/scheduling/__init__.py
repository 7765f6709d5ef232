"""Pure scheduling: SM-2, derived quality, the in-session repeat rule and today's queue.

Nothing here reads a clock, a file, a database or a global random generator: ``now`` is always
passed in as an aware :class:`datetime.datetime`. See docs/architecture.md, "Scheduling" and "Time".
"""
