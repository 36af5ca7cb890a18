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
        db, "user", "create", "op1", "--role", "operator", "--unit", "CENTRE", "--password", "long-secret-1"
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
        "long-secret-1",
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
        "long-secret-1",
        check=False,
    )
    assert bad_unit.returncode != 0 and "不存在" in bad_unit.stderr
    bad_role = hotline(
        db, "user", "create", "y", "--role", "king", "--unit", "A", "--password", "long-secret-1", check=False
    )
    assert bad_role.returncode != 0


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("123456", "密码太短,至少需要 10 个字符"),
        ("1234567890", "密码只包含数字"),
        ("password123", "这个密码太常见了"),
        ("weakling-op", "太相似"),  # the login name is weakling-op
    ],
)
def test_user_create_refuses_a_weak_password_in_words(db: Path, password: str, said: str) -> None:
    weak = hotline(
        db,
        "user",
        "create",
        "weakling-op",
        "--role",
        "operator",
        "--unit",
        "CENTRE",
        "--password",
        password,
        check=False,
    )
    assert weak.returncode != 0
    assert said in weak.stderr and "密码不符合要求" in weak.stderr
    assert "Traceback" not in weak.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM org_user WHERE username = 'weakling-op'").fetchone() == (0,)


def test_audit_verify_exits_non_zero_naming_the_first_bad_event(db: Path) -> None:
    hotline(
        db, "user", "create", "op2", "--role", "operator", "--unit", "CENTRE", "--password", "long-secret-1"
    )
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


def said_in_words(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The command failed with one zh-CN line on stderr naming ``fragments``, no traceback."""
    message = result.stderr.strip()
    assert result.returncode != 0 and "Traceback" not in message, message
    assert len(message.splitlines()) == 1 and message.startswith("错误:"), message
    assert all(f in message for f in fragments), message
    return message


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://hotline@db/hotline", "不支持的协议「mysql」"),
        ("hotline.sqlite3", "缺少协议"),
        ("postgresql://hotline@db:port/hotline", "端口"),
        ("sqlite://", "缺少数据库文件路径"),
    ],
)
def test_a_malformed_database_url_is_said_in_words(tmp_path: Path, url: str, said: str) -> None:
    result = hotline(tmp_path / "x.sqlite3", "migrate", check=False, HOTLINE_DATABASE_URL=url)
    said_in_words(result, "HOTLINE_DATABASE_URL", said)


def test_an_unreachable_database_is_said_in_words(tmp_path: Path) -> None:
    closed = "postgresql://postgres@127.0.0.1:1/hotline"  # nothing listens on port 1
    result = hotline(tmp_path / "x.sqlite3", "audit", "verify", check=False, HOTLINE_DATABASE_URL=closed)
    said_in_words(result, "无法连接数据库", "127.0.0.1:1")


def test_a_missing_folder_or_a_file_in_its_place_is_said_in_words(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "hotline.sqlite3"
    result = hotline(tmp_path / "x", "migrate", check=False, HOTLINE_DATABASE_URL=f"sqlite:///{missing}")
    said_in_words(result, f"文件夹 {missing.parent} 不存在")
    assert not (tmp_path / "no").exists()
    (tmp_path / "plain").write_text("a file")
    in_a_file = f"sqlite:///{tmp_path / 'plain' / 'hotline.sqlite3'}"
    said_in_words(
        hotline(tmp_path / "x", "migrate", check=False, HOTLINE_DATABASE_URL=in_a_file), "是文件而不是文件夹"
    )
    said_in_words(
        hotline(tmp_path / "x", "migrate", check=False, HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path}"),
        "是文件夹而不是数据库文件",
    )
    data_in_a_file = hotline(tmp_path / "x", "check", check=False, HOTLINE_DATA_DIR=str(tmp_path / "plain"))
    said_in_words(data_in_a_file, "是文件而不是文件夹")


def test_an_unmigrated_database_says_run_migrate(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    create = ("user", "create", "op", "--role", "operator", "--unit", "C", "--password", "long-secret-1")
    for args in (("audit", "verify"), create):
        said_in_words(hotline(empty, *args, check=False), "请先运行 hotline migrate")


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "verify"),
        ("analytics", "check"),
        ("analytics", "hotspots"),
        ("routing", "ftr"),
        ("showmigrations",),
        ("user", "create", "op", "--role", "operator", "--unit", "C", "--password", "long-secret-1"),
        ("demo", "--if-empty"),
    ],
)
def test_only_migrate_creates_the_database(tmp_path: Path, args: tuple[str, ...]) -> None:
    missing = tmp_path / "hotline.sqlite3"
    said_in_words(hotline(missing, *args, check=False), f"数据库文件 {missing} 不存在", "hotline migrate")
    assert not missing.exists()


def test_check_runs_without_a_database_and_creates_none(tmp_path: Path) -> None:
    missing = tmp_path / "hotline.sqlite3"
    assert "no issues" in hotline(missing, "check").stdout
    assert not missing.exists()
