"""Turn ``HOTLINE_DATABASE_URL`` into a Django ``DATABASES`` entry.

Only the two databases we support are understood: SQLite (embedded default) and
PostgreSQL (production). Anything else is a configuration error, said plainly (in zh-CN:
the ``hotline`` command shows it as it is, see ``hotline.cli``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

DEFAULT_SQLITE_FILE = "hotline.sqlite3"
USAGE = ";请使用 sqlite:///文件路径 或 postgresql://用户@主机:端口/库名"


class DatabaseURLError(ValueError):
    pass


def sqlite_config(path: str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # IMMEDIATE takes the write lock when a transaction starts, so two
            # writers queue on busy_timeout instead of failing on lock upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                # FULL: an acknowledged ticket survives a power loss (NORMAL in WAL mode
                # may lose the last commits). Measured: durable inserts still ~3,600/s.
                "PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=30000;"
                "PRAGMA cache_size=-65536;"
                # Checkpoints are the worker's job (hotline.db.checkpoint_sqlite); this
                # is the fallback when no worker runs.
                "PRAGMA wal_autocheckpoint=10000;"
            ),
        },
        # Reuse connections: each new one would re-run the PRAGMAs above.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        # A file (not memory) so live-server and concurrency tests share it across
        # threads; one per test run so that parallel runs never collide.
        "TEST": {"NAME": f"{Path(path).with_suffix('')}_test_{os.getpid()}.sqlite3"}
        if path != ":memory:"
        else {},
    }


def parse(url: str | None) -> dict[str, Any]:
    if not url:
        return sqlite_config(str(Path.cwd() / DEFAULT_SQLITE_FILE))
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in ("sqlite", "sqlite3"):
        # sqlite:///relative.db, sqlite:////absolute/path.db
        if "://" not in url:
            raise DatabaseURLError(f"HOTLINE_DATABASE_URL 无法识别:「{url}」{USAGE}")
        path = unquote(url.split("://", 1)[1])
        if not path:
            raise DatabaseURLError(f"HOTLINE_DATABASE_URL 缺少数据库文件路径{USAGE}")
        if path.startswith("/") and not path.startswith("//"):
            path = path[1:] or DEFAULT_SQLITE_FILE
        elif path.startswith("//"):
            path = path[1:]
        if path != ":memory:":
            path = str(Path(path).expanduser().resolve())
        return sqlite_config(path)
    if scheme in ("postgres", "postgresql", "pgsql"):
        try:
            port = parsed.port
        except ValueError as exc:
            raise DatabaseURLError(f"HOTLINE_DATABASE_URL 中的端口不是 0 到 65535 之间的数字{USAGE}") from exc
        # A server that does not answer is reported after 10 s, not waited for forever.
        options = {"connect_timeout": "10", **{k: v[-1] for k, v in parse_qs(parsed.query).items()}}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "OPTIONS": options,
        }
    named = f"不支持的协议「{scheme}」" if scheme else "缺少协议"
    raise DatabaseURLError(f"HOTLINE_DATABASE_URL 无法识别:{named}{USAGE}")


def sqlite_path(config: dict[str, Any]) -> Path | None:
    """The file of a SQLite database (also when opened read-only), else None."""
    if config["ENGINE"] != "django.db.backends.sqlite3" or config["NAME"] == ":memory:":
        return None
    name = str(config["NAME"])
    if name.startswith("file:"):
        return Path(unquote(name[len("file:") :].split("?", 1)[0]))
    return Path(name)


def never_create(config: dict[str, Any]) -> None:
    """A SQLite database whose file is not there is opened read-only (an URI with
    ``mode=ro``; Django opens SQLite names as URIs): connecting then fails, where it
    would have created an empty file. Changes ``config`` in place, before any connection."""
    path = sqlite_path(config)
    if path is not None and not path.exists():
        config["NAME"] = f"file:{quote(str(path))}?mode=ro"
