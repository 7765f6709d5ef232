"""Row-level security on PostgreSQL: a learner's role reads and changes only its own rows."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from mathdrill.storage import open_database
from mathdrill.storage.migrations import create_v1_schema
from tests.factories import NOW, Recorder

_numbers = itertools.count(1)


@dataclass
class Roles:
    """Two learners' roles and a teacher's, each with its own URL to the test database."""

    alice: str
    bob: str
    teacher: str
    urls: dict[str, str]


def _sql(url: str, *statements: str) -> list[list[tuple[object, ...]]]:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            results = [conn.execute(text(statement)) for statement in statements]
            return [list(r.all()) if r.returns_rows else [] for r in results]
    finally:
        engine.dispose()


@pytest.fixture
def roles(pg_url: str) -> Iterator[Roles]:
    """Learner roles alice_N and bob_N and a teacher role, set up as docs/data.md says."""
    open_database(pg_url).close()  # the owner creates the schema and its policies
    n = f"{next(_numbers)}_{make_url(pg_url).database}"[-40:].replace("-", "_").lower()
    alice, bob, teacher = f"alice_{n}", f"bob_{n}", f"teach_{n}"
    database = make_url(pg_url).database
    setup = [
        # The group roles are cluster-wide: made once, whichever test comes first.
        "DO $$ BEGIN CREATE ROLE mathdrill_learner NOLOGIN; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        "DO $$ BEGIN CREATE ROLE mathdrill_teacher NOLOGIN; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO mathdrill_learner",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO mathdrill_learner",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO mathdrill_teacher",
        f'GRANT CONNECT ON DATABASE "{database}" TO mathdrill_learner, mathdrill_teacher',
        f"CREATE ROLE {alice} LOGIN IN ROLE mathdrill_learner",
        f"CREATE ROLE {bob} LOGIN IN ROLE mathdrill_learner",
        f"CREATE ROLE {teacher} LOGIN IN ROLE mathdrill_teacher",
    ]
    _sql(pg_url, *setup)
    urls = {
        name: make_url(pg_url).set(username=name).render_as_string(hide_password=False)
        for name in (alice, bob, teacher)
    }
    try:
        yield Roles(alice, bob, teacher, urls)
    finally:
        _sql(
            pg_url,
            *(f"DROP OWNED BY {name}" for name in (alice, bob, teacher)),
            *(f"DROP ROLE IF EXISTS {name}" for name in (alice, bob, teacher)),
        )


def _drill(url: str, name: str, answers: int) -> int:
    """Answer ``answers`` problems of one skill as learner ``name``; return the card's id."""
    with open_database(url, learner=name, add_learner=True, now=NOW) as db:
        rec = Recorder(db)
        card = rec.card("derivatives", "chain-rule", NOW)
        for _ in range(answers):
            rec.review(card, NOW)
        return card


def test_a_learner_role_sees_and_changes_only_its_own_rows(roles: Roles) -> None:
    alice_card = _drill(roles.urls[roles.alice], roles.alice, 2)
    bob_card = _drill(roles.urls[roles.bob], roles.bob, 1)
    assert alice_card != bob_card
    bob = roles.urls[roles.bob]
    counts = _sql(
        bob,
        "SELECT count(*) FROM reviews",
        "SELECT count(*) FROM cards",
        "SELECT name FROM learners",
        f"SELECT count(*) FROM reviews WHERE card_id = {alice_card}",
    )
    assert counts == [[(1,)], [(1,)], [(roles.bob,)], [(0,)]]
    # Changing or deleting alice's rows touches nothing; moving a row to her is refused.
    engine = create_engine(bob, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            changed = conn.execute(text(f"UPDATE cards SET lapses = 9 WHERE id = {alice_card}"))
            assert changed.rowcount == 0
            gone = conn.execute(text(f"DELETE FROM reviews WHERE card_id = {alice_card}"))
            assert gone.rowcount == 0
            alice_id = conn.execute(text("SELECT max(id) + 1 FROM learners")).scalar()
            with pytest.raises(ProgrammingError, match="row-level security"):
                conn.execute(text(f"UPDATE cards SET learner_id = {alice_id}"))
            with pytest.raises(ProgrammingError, match="row-level security"):
                conn.execute(
                    text(f"INSERT INTO learners (name, created) VALUES ('x{alice_id}', now())")
                )
    finally:
        engine.dispose()
    # Through mathdrill too: alice's history is untouched and complete.
    with open_database(roles.urls[roles.alice], learner=roles.alice, now=NOW) as db:
        assert db.count_reviews() == 2
        assert all(not card.lapses for card in db.cards())


def test_a_teacher_reads_everyone_and_changes_nothing(roles: Roles) -> None:
    _drill(roles.urls[roles.alice], roles.alice, 2)
    _drill(roles.urls[roles.bob], roles.bob, 1)
    teacher = roles.urls[roles.teacher]
    assert _sql(teacher, "SELECT count(*) FROM reviews") == [[(3,)]]
    engine = create_engine(teacher, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("UPDATE cards SET lapses = 9"))
    finally:
        engine.dispose()
    from mathdrill.storage import group

    with open_database(teacher, now=NOW) as db:  # as the default learner, reading the group
        names = [row.name for row in group.learner_rows(db, NOW)]
    assert names == sorted([roles.alice, roles.bob, "default"])


def test_an_upgraded_database_gets_the_same_policies(pg_url: str, pg_server) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.begin() as conn:
            create_v1_schema(conn)
    finally:
        engine.dispose()
    open_database(pg_url, now=NOW, backed_up="1").close()
    fresh = pg_server.database()
    fresh_url = next(fresh)
    try:
        open_database(fresh_url).close()
        query = "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies ORDER BY 1, 2"
        upgraded, created = _sql(pg_url, query)[0], _sql(fresh_url, query)[0]
        assert upgraded == created
        tables = {row[0] for row in created}
        assert tables == {"learners", "cards", "reviews", "flags", "card_events"}
    finally:
        fresh.close()
