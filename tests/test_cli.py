"""The `hotline` command as a person runs it: a real process on a real database file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def hotline(
    db: Path, *args: str, check: bool = True, python_flags: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python [python_flags] -m hotline args`` on the SQLite file ``db``, with
    ``env`` added to (or, when empty, removed from) the environment."""
    environ = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{db}", **env}
    environ = {k: v for k, v in environ.items() if v}
    result = subprocess.run(
        [sys.executable, *python_flags, "-m", "hotline", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=db.parent,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hotline {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "hotline.sqlite3"
    hotline(path, "migrate", "--verbosity", "0")
    script = (
        "from hotline.org.models import Unit;"
        "Unit.objects.create(code='CENTRE', name='12345热线中心', level='centre', kind='centre');"
        "c=Unit.objects.create(code='A', name='滨江县人民政府', level='county', kind='government');"
        "Unit.objects.create(code='A-ZJ', name='滨江县住建局', level='county', kind='functional', parent=c)"
    )
    hotline(path, "shell", "-c", script)
    return path


def test_user_create_and_refusals(db: Path) -> None:
    ok = hotline(
        db, "user", "create", "op1", "--role", "operator", "--unit", "CENTRE", "--password", "secret-1"
    )
    assert "op1" in ok.stdout
    dup = hotline(
        db,
        "user",
        "create",
        "op1",
        "--role",
        "operator",
        "--unit",
        "CENTRE",
        "--password",
        "secret-1",
        check=False,
    )
    assert dup.returncode != 0 and "已存在" in dup.stderr
    bad_unit = hotline(
        db,
        "user",
        "create",
        "x",
        "--role",
        "handler",
        "--unit",
        "NOPE",
        "--password",
        "secret-1",
        check=False,
    )
    assert bad_unit.returncode != 0 and "不存在" in bad_unit.stderr
    bad_role = hotline(
        db, "user", "create", "y", "--role", "king", "--unit", "A", "--password", "secret-1", check=False
    )
    assert bad_role.returncode != 0


def test_audit_verify_exits_non_zero_naming_the_first_bad_event(db: Path) -> None:
    hotline(db, "user", "create", "op2", "--role", "operator", "--unit", "CENTRE", "--password", "secret-1")
    script = (
        "from hotline.org.models import User;"
        "from hotline.org.actor import Actor;"
        "from hotline.tickets.actions import NewContact, create_ticket, dispatch;"
        "op=User.objects.get(username='op2');"
        "t,_=create_ticket(Actor.of(op), NewContact(channel='phone', text='路灯不亮'));"
        "t2,_=create_ticket(Actor.of(op), NewContact(channel='phone', text='噪音扰民'))"
    )
    hotline(db, "shell", "-c", script)
    good = hotline(db, "audit", "verify")
    assert "留痕完整" in good.stdout
    with sqlite3.connect(db) as conn:
        conn.execute('UPDATE audit_event SET payload = \'{"channel": "web"}\' WHERE seq = 1')
    bad = hotline(db, "audit", "verify", check=False)
    assert bad.returncode != 0
    assert "#1" in bad.stderr


def test_sqlite_maintenance_runs_on_a_real_database(db: Path) -> None:
    """The worker's WAL checkpoint and statistics refresh work on the embedded database."""
    script = (
        "from hotline.db import checkpoint_sqlite, optimize_sqlite;"
        "checkpoint_sqlite(); optimize_sqlite(); print('ok')"
    )
    assert hotline(db, "shell", "-c", script).stdout.strip().endswith("ok")


def test_a_fresh_migrate_does_not_load_jieba(tmp_path: Path) -> None:
    # The knowledge base's seed index is data: jieba (a second, a hundred MB) waits for
    # the first triage or search.
    result = hotline(
        tmp_path / "fresh.sqlite3", "migrate", "--verbosity", "0", python_flags=("-X", "importtime")
    )
    loaded = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "jieba" not in loaded
