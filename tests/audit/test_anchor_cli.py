"""The anchor as an operator runs it: real ``hotline audit`` processes on a SQLite file,
the key and the checkpoints in the data folder, and a failure said in words."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.test_cli import hotline

SETUP = """
from hotline.org.models import Unit, User
from hotline.org.actor import Actor
from hotline.tickets.actions import NewContact, create_ticket
centre = Unit.objects.create(code='CENTRE', name='12345热线中心', level='centre', kind='centre')
op = User.objects.create_user('op', password='pass-12345', role='operator', unit=centre)
for i in range(4):
    create_ticket(Actor.of(op), NewContact(channel='phone', text=f'第{i}件 路灯不亮'))
"""
TRUNCATE = """
from hotline.audit.models import ChainHead, Event
Event.objects.filter(seq__gt=2).delete()
ChainHead.objects.filter(id=1).update(last_seq=2, last_hash=Event.objects.get(seq=2).hash)
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "hotline.sqlite3"
    hotline(path, "migrate", "--verbosity", "0")
    hotline(path, "shell", "-c", SETUP)
    return path


def test_keygen_checkpoint_verify_and_truncation(db: Path) -> None:
    data = db.parent
    assert not (data / "audit-checkpoints").exists()
    keygen = hotline(db, "audit", "keygen")
    key = data / "hotline-audit.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600 and "公钥" in keygen.stdout
    again = hotline(db, "audit", "keygen", check=False)
    assert again.returncode == 1 and "已存在" in again.stderr and "Traceback" not in again.stderr

    made = hotline(db, "audit", "checkpoint")
    assert "检查点已签发:4 条事件" in made.stdout
    latest = json.loads((data / "audit-checkpoints" / "latest.json").read_text())
    assert latest["tree_size"] == 4
    ok = hotline(db, "audit", "verify", "--checkpoints")
    assert "检查点一致:1 个签名树头" in ok.stdout

    hotline(db, "shell", "-c", TRUNCATE)
    bad = hotline(db, "audit", "verify", "--checkpoints", str(data / "audit-checkpoints"), check=False)
    assert bad.returncode == 1
    assert "日志被截断" in bad.stderr and "已签名 4 条事件,现在的日志只有 2 条" in bad.stderr
    assert "Traceback" not in bad.stderr
    refused = hotline(db, "audit", "checkpoint", check=False)
    assert refused.returncode == 1 and "拒绝签名" in refused.stderr
