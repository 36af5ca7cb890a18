"""Production settings: no signing key ships with the code, a published or weak key stops
every command, and HOTLINE_HTTPS=1 makes ``check --deploy`` clean."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from hotline.keys import PUBLISHED_KEYS
from tests.test_cli import hotline as run

# Set by the test session or the caller's shell; each test says what it wants instead.
CLEARED = ("HOTLINE_SECRET_KEY", "HOTLINE_DEBUG", "HOTLINE_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE")


def hotline(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    cleared = dict.fromkeys(CLEARED, "")
    return run(
        data_dir / "db.sqlite3", *args, check=False, **{**cleared, "HOTLINE_DATA_DIR": str(data_dir), **env}
    )


def test_each_installation_makes_its_own_key_once(tmp_path: Path) -> None:
    assert hotline(tmp_path, "check").returncode == 0
    key_file = tmp_path / "hotline-secret.key"
    first = key_file.read_text()
    assert len(first.strip()) >= 50 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert hotline(tmp_path, "check").returncode == 0
    assert key_file.read_text() == first  # kept, not rewritten


def test_a_published_or_weak_key_stops_the_platform_unless_debugging(tmp_path: Path) -> None:
    for key in (*PUBLISHED_KEYS, "secret", "a" * 60):
        refused = hotline(tmp_path, "check", HOTLINE_SECRET_KEY=key)
        assert refused.returncode != 0 and "hotline.E001" in refused.stderr, key
    assert hotline(tmp_path, "check", HOTLINE_SECRET_KEY="secret", HOTLINE_DEBUG="1").returncode == 0


def test_https_makes_the_deploy_check_clean(tmp_path: Path) -> None:
    plain = hotline(tmp_path, "check", "--deploy", HOTLINE_ALLOWED_HOSTS="hotline.example.gov.cn")
    assert "security.W004" in plain.stderr and "security.W012" in plain.stderr
    https = hotline(
        tmp_path, "check", "--deploy", HOTLINE_HTTPS="1", HOTLINE_ALLOWED_HOSTS="hotline.example.gov.cn"
    )
    assert https.returncode == 0, https.stderr
    assert "no issues" in https.stdout + https.stderr
