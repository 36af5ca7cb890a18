"""Secrets of an installation, kept outside the code and outside the database.

Django's signing key comes from ``HOTLINE_SECRET_KEY`` when set; otherwise from the file
``hotline-secret.key`` in the data folder, which the first start writes with a random
key readable by its owner only. No key ships with the code: every installation has its
own, and the system check ``hotline.E001`` refuses a known or weak key unless DEBUG is on.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "hotline-secret.key"
# Keys that were ever published (the old embedded demo key): never a production key.
PUBLISHED_KEYS = frozenset({"hotline-embedded-demo-key-change-me-in-production-0123456789"})
MIN_LENGTH = 50


def django_secret_key(data_dir: Path) -> str:
    configured = os.environ.get("HOTLINE_SECRET_KEY", "").strip()
    if configured:
        return configured
    path = data_dir / KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(64)
    try:
        # O_EXCL: of two processes starting together, one writes and both read its key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key


def weak(key: str) -> bool:
    return key in PUBLISHED_KEYS or len(key) < MIN_LENGTH or len(set(key)) < 5
