"""The SQLite writers' queue (``hotline.db``): after-commit work runs once it is free."""

from __future__ import annotations

import fcntl
import os
from typing import Any

import pytest
from django.db import connection, transaction

from hotline.db import after_writes, write_transaction

pytestmark = pytest.mark.django_db(transaction=True)


def _queue_is_free() -> bool:
    fd = os.open(f"{connection.settings_dict['NAME']}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing the descriptor lets go of a lock it took
    return True


def test_after_commit_work_runs_once_the_writers_queue_is_released(caplog: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has no writers' queue: row locks order its writers")
    seen: list[str] = []

    def failing() -> None:
        raise RuntimeError("gateway down")

    with write_transaction():
        assert not _queue_is_free()  # held for the transaction
        transaction.on_commit(lambda: after_writes(lambda: seen.append(f"free={_queue_is_free()}")))
        transaction.on_commit(lambda: after_writes(failing))
        transaction.on_commit(lambda: after_writes(lambda: seen.append("after the failure")))
    assert seen == ["free=True", "after the failure"]
    assert "after-commit work failed" in caplog.text
    # A rolled-back transaction's work never runs.
    with pytest.raises(ValueError), write_transaction():
        transaction.on_commit(lambda: after_writes(lambda: seen.append("rolled back")))
        raise ValueError
    assert seen == ["free=True", "after the failure"]
