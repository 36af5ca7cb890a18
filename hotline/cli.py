"""The ``hotline`` command.

Every subcommand is a Django management command, so ``hotline serve``, ``hotline demo``,
``hotline user create``, ``hotline audit verify``, ``hotline migrate`` and
``hotline triage …`` share one settings module and one database URL.

A command that fails because of the installation — the database URL, a database that
cannot be reached or is not migrated, a missing folder, a file where a folder should be —
says why in one zh-CN line on stderr and exits 1, without a traceback (``--traceback``
still shows one). Only ``migrate`` and ``serve`` (which migrates) create the SQLite file:
for every other command a missing file is opened read-only, so the command says that the
database is missing instead of making an empty one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# The commands that may make the SQLite file when it is not there: they migrate it.
# Every other command needs a migrated database — those that only read (check, audit
# verify, analytics hotspots, triage predict …) as much as those that write (user create,
# demo, import) — so for them a missing file is said in words, never created empty.
CREATES_DATABASE = frozenset({"migrate", "serve"})
MIGRATE = "请先运行 hotline migrate"


def may_create_database(args: list[str]) -> bool:
    words = [a for a in args if not a.startswith("-")]
    return bool(words) and words[0] in CREATES_DATABASE


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _run(args)
    except Exception as exc:
        message = explain(exc)
        if message is None or "--traceback" in args:
            raise
        sys.stderr.write(f"错误:{message}\n")
        sys.exit(1)


def _run(args: list[str]) -> None:
    import django
    from django.conf import settings
    from django.core.management import execute_from_command_line
    from django.db.backends.signals import connection_created

    from hotline import dburl

    django.setup()
    if not may_create_database(args):
        dburl.never_create(settings.DATABASES["default"])
    connection_created.connect(_opened)
    execute_from_command_line(["hotline", *args])


# Whether the database was ever opened: a command closes its connections on the way out,
# so an error alone does not tell a refused connection from a failed query.
_was_opened: list[bool] = []


def _opened(sender: Any, **kwargs: Any) -> None:
    _was_opened.append(True)


def explain(exc: BaseException) -> str | None:
    """The one line that tells a person what is wrong, or None for a fault of the code
    (whose traceback is then shown)."""
    from django.db import DatabaseError

    from hotline.dburl import DatabaseURLError

    if isinstance(exc, DatabaseURLError):
        return str(exc)
    if isinstance(exc, DatabaseError):
        return _database_problem(exc)
    if isinstance(exc, OSError) and exc.filename:
        return _path_problem(exc)
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _database_problem(exc: BaseException) -> str:
    from django.db import connections

    if not _was_opened:
        return _unreachable(connections["default"].settings_dict, exc)
    text = str(exc)
    if any(m in text for m in ("no such table", "no such column", "does not exist")):
        pending = _pending_migrations()
        if pending:
            return f"数据库尚未初始化或不是最新版本({pending} 个迁移未执行),{MIGRATE}"
    return f"数据库出错:{_first_line(exc)}(加 --traceback 查看详情)"


def _unreachable(config: dict[str, Any], exc: BaseException) -> str:
    from hotline.dburl import sqlite_path

    path = sqlite_path(config)
    if path is None:
        where = f"{config.get('USER') or ''}@{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"
        return f"无法连接数据库 {where}/{config['NAME']}:{_first_line(exc)}"
    folder = _folder_problem(path)
    if folder:
        return f"{folder},数据库文件 {path} 无处存放"
    if path.is_dir():
        return f"「{path}」是文件夹而不是数据库文件"
    if not path.exists():
        return f"数据库文件 {path} 不存在,{MIGRATE}"
    return f"无法打开数据库文件 {path}:{_first_line(exc)}"


def _pending_migrations() -> int:
    from django.db import DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    connections.close_all()  # on PostgreSQL the failed transaction refuses further queries
    try:
        executor = MigrationExecutor(connections["default"])
        return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError:
        return 0


def _folder_problem(path: Path) -> str | None:
    """What keeps the folder of ``path`` from holding it: missing, or a file."""
    folder = path.parent
    nearest = next(p for p in (folder, *folder.parents) if p.exists())
    if not nearest.is_dir():
        return f"「{nearest}」是文件而不是文件夹"
    if nearest != folder:
        return f"文件夹 {folder} 不存在"
    return None


def _path_problem(exc: OSError) -> str:
    name = Path(str(exc.filename))
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        folder = _folder_problem(name)
        return f"{folder}(需要 {name})" if folder else f"文件不存在:{name}"
    if isinstance(exc, IsADirectoryError):
        return f"「{name}」是文件夹而不是文件"
    if isinstance(exc, PermissionError):
        return f"没有权限访问 {name}"
    return f"无法访问 {name}:{exc.strerror or _first_line(exc)}"


if __name__ == "__main__":
    main()
