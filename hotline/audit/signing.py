"""Signed tree heads: the Ed25519 key kept in a file outside the database, and what it signs.

A signed tree head says "the log had ``tree_size`` events and their Merkle root was
``root_hash`` at ``timestamp``". The signature is Ed25519 over these exact bytes
(UTF-8, each line ending in a newline)::

    hotline-audit-checkpoint/v1
    <tree_size, decimal>
    <root_hash, 64 lowercase hex digits>
    <timestamp, milliseconds since 1970-01-01 UTC, decimal>

The public key is published as 64 hex digits (its 32 raw bytes); the key id is the
first 16 hex digits of the SHA-256 of those bytes. The private key lives in the file
``settings.HOTLINE_AUDIT_KEY`` (PKCS#8 PEM, readable by its owner only), written by
``hotline audit keygen``: someone who can change the database cannot sign.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

FORMAT = "hotline-audit-checkpoint/v1"


class SigningKeyError(Exception):
    """The signing key cannot be written or read; the message says why, in zh-CN."""


def key_path() -> Path:
    return Path(settings.HOTLINE_AUDIT_KEY)


def public_hex(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def key_id(public_key_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def generate(path: Path, *, force: bool = False) -> Ed25519PrivateKey:
    """Write a new private key to ``path`` (0600). Refuses an existing file unless forced."""
    if path.exists() and not force:
        raise SigningKeyError(f"密钥文件已存在:{path}。如确需更换密钥请加 --force(旧检查点须用旧公钥校验)")
    if not path.parent.is_dir():
        raise SigningKeyError(f"目录不存在:{path.parent}")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Written beside the target and renamed over it: a reader never sees half a key.
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    except OSError as exc:
        raise SigningKeyError(f"无法写入目录 {path.parent}:{exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        if force:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # fails if another process wrote the key meanwhile
            os.unlink(temp)
    except FileExistsError:
        os.unlink(temp)
        raise SigningKeyError(f"密钥文件已存在:{path}") from None
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise SigningKeyError(f"无法写入密钥文件 {path}:{exc.strerror}") from None
    return key


def load(path: Path | None = None) -> Ed25519PrivateKey:
    path = path or key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyError(f"未找到审计签名密钥 {path},请先运行 hotline audit keygen") from None
    except OSError as exc:
        raise SigningKeyError(f"无法读取审计签名密钥 {path}:{exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SigningKeyError(f"审计签名密钥 {path} 格式无效") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"审计签名密钥 {path} 不是 Ed25519 密钥")
    return key


def installation_public_key() -> str | None:
    """This installation's public key (hex), or None when it has no readable key file."""
    try:
        return public_hex(load().public_key())
    except SigningKeyError:
        return None


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: str
    timestamp: int
    key_id: str
    public_key: str
    signature: str
    format: str = FORMAT

    def message(self) -> bytes:
        return signed_message(self.tree_size, self.root_hash, self.timestamp)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> TreeHead:
        """A tree head from its JSON form; ValueError (zh-CN) when it is not one."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"不是签名树头(format 应为 {FORMAT})")
        try:
            head = cls(
                tree_size=_int(data["tree_size"]),
                root_hash=_hex(data["root_hash"], 32),
                timestamp=_int(data["timestamp"]),
                key_id=str(data["key_id"]),
                public_key=_hex(data["public_key"], 32),
                signature=_hex(data["signature"], 64),
            )
        except KeyError as exc:
            raise ValueError(f"签名树头缺少字段 {exc.args[0]}") from None
        if head.tree_size < 1:
            raise ValueError("签名树头的 tree_size 须为正整数")
        return head


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"应为整数:{value!r}")
    return value


def _hex(value: Any, length: int) -> str:
    if not isinstance(value, str) or len(value) != 2 * length:
        raise ValueError(f"应为 {2 * length} 位十六进制:{value!r}")
    try:
        bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"应为十六进制:{value!r}") from None
    return value.lower()


def signed_message(tree_size: int, root_hash: str, timestamp: int) -> bytes:
    return f"{FORMAT}\n{tree_size}\n{root_hash}\n{timestamp}\n".encode()


def sign(key: Ed25519PrivateKey, tree_size: int, root: bytes, timestamp: int) -> TreeHead:
    public = public_hex(key.public_key())
    root_hash = root.hex()
    signature = key.sign(signed_message(tree_size, root_hash, timestamp)).hex()
    return TreeHead(tree_size, root_hash, timestamp, key_id(public), public, signature)


def signature_valid(head: TreeHead, public_key_hex: str) -> bool:
    """Whether ``head`` was signed by the key ``public_key_hex`` (not the one it names)."""
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        public.verify(bytes.fromhex(head.signature), head.message())
    except (InvalidSignature, ValueError):
        return False
    return True
