"""Tickets that existed before the query code get one each when the database is migrated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hotline.tickets.models import QUERY_CODE_ALPHABET
from tests.test_cli import hotline

COLUMNS = (
    "number, title, text, channel, type, topic, urgency, emotion, triage, address, citizen_name, phone, "
    "phone_last4, state, result, rehandle_count, urge_count, supervise_count, pending_request, satisfaction, "
    "sla, created_at, updated_at, version"
)


def test_the_migration_gives_every_existing_ticket_its_own_code(tmp_path: Path) -> None:
    db = tmp_path / "hotline.sqlite3"
    hotline(db, "migrate", "tickets", "0003", "--verbosity", "0")
    with sqlite3.connect(db) as conn:
        conn.executemany(
            f"INSERT INTO tickets_ticket ({COLUMNS}) VALUES "  # noqa: S608 - fixed columns
            "(?, '路灯', '路灯不亮', 'phone', '', '', '一般', '平静', '{}', '', '', '', '', 'accepted', '', "
            "0, 0, 0, '{}', '', '{}', '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1)",
            [(f"2025010100{i:04d}",) for i in range(50)],
        )
    hotline(db, "migrate", "--verbosity", "0")
    with sqlite3.connect(db) as conn:
        codes = [row[0] for row in conn.execute("SELECT query_code FROM tickets_ticket")]
    assert len(codes) == 50 and len(set(codes)) == 50
    assert all(len(c) == 6 and set(c) <= set(QUERY_CODE_ALPHABET) for c in codes)
