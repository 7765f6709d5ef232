"""Row-level security on PostgreSQL: a learner's database role reads and writes only its rows.

When a study group or a class shares one PostgreSQL database, each learner may connect as a
database role of the learner's name (``--learner`` equal to the role). The policies below then
let that role see and change only its own learner row, cards, reviews, flags and card events,
whatever SQL it sends;
a member of the role ``mathdrill_teacher`` reads everyone's rows (``mathdrill group``) and
changes none. The role that owns the tables (the one that created or upgraded the database) is
not subject to them, so a single learner, or an administrator, connecting as the owner sees
everything as before. Roles and their privileges are the administrator's to create
(``docs/data.md``, "PostgreSQL"). SQLite has no roles: nothing here applies to it.

:data:`POLICIES` is frozen as schema 7 created it (migration step 7 and a fresh database both
run it); a later change adds a step with its own statements and :func:`apply` runs both.
"""

from __future__ import annotations

from sqlalchemy import Connection

#: The role whose members read every learner's rows.
TEACHER_ROLE = "mathdrill_teacher"

_MINE = "learner_id IN (SELECT id FROM learners WHERE name = current_user)"
_MY_CARD = (
    "card_id IN (SELECT id FROM cards WHERE "
    "learner_id IN (SELECT id FROM learners WHERE name = current_user))"
)

#: The function and policies, in the order they are created.
POLICIES: tuple[str, ...] = (
    # pg_has_role fails on a role that does not exist: look it up instead.
    "CREATE OR REPLACE FUNCTION mathdrill_is_teacher() RETURNS boolean LANGUAGE sql STABLE AS "
    "$$ SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mathdrill_teacher' "
    "AND pg_has_role(current_user, oid, 'MEMBER')) $$",
    "ALTER TABLE learners ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY learners_own ON learners USING (name = current_user) "
    "WITH CHECK (name = current_user)",
    "CREATE POLICY learners_teacher ON learners FOR SELECT USING (mathdrill_is_teacher())",
    "ALTER TABLE cards ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY cards_own ON cards USING ({_MINE}) WITH CHECK ({_MINE})",
    "CREATE POLICY cards_teacher ON cards FOR SELECT USING (mathdrill_is_teacher())",
    "ALTER TABLE reviews ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY reviews_own ON reviews USING ({_MINE}) WITH CHECK ({_MINE})",
    "CREATE POLICY reviews_teacher ON reviews FOR SELECT USING (mathdrill_is_teacher())",
    # A card's flags and events are the card's learner's: the card must be one the role sees
    # (the cards policies above decide which).
    "ALTER TABLE flags ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY flags_own ON flags USING ({_MY_CARD}) WITH CHECK ({_MY_CARD})",
    "CREATE POLICY flags_teacher ON flags FOR SELECT USING (mathdrill_is_teacher())",
    "ALTER TABLE card_events ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY card_events_own ON card_events USING ({_MY_CARD}) WITH CHECK ({_MY_CARD})",
    "CREATE POLICY card_events_teacher ON card_events FOR SELECT USING (mathdrill_is_teacher())",
)


def apply(connection: Connection) -> None:
    """Create the row-level security of :data:`POLICIES` (PostgreSQL only; a no-op elsewhere).

    Args:
        connection: A connection inside the transaction that creates or upgrades the schema.
    """
    if connection.dialect.name != "postgresql":
        return
    for statement in POLICIES:
        connection.exec_driver_sql(statement)
