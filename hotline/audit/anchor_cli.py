"""The anchor's subcommands of ``hotline audit``: keygen, checkpoint, check-receipt, and
``verify --checkpoints``. Each parses, calls one function, and says the outcome in words."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from hotline.audit import checkpoints, receipts, signing


def add_arguments(sub: Any) -> None:
    keygen = sub.add_parser("keygen", help="生成检查点签名密钥(Ed25519),写入数据库以外的文件")
    keygen.add_argument("--key", type=Path, help="私钥文件(默认 HOTLINE_AUDIT_KEY)")
    keygen.add_argument("--force", action="store_true", help="覆盖已有密钥")
    checkpoint = sub.add_parser("checkpoint", help="签发当前树头,追加到检查点目录(及 webhook)")
    checkpoint.add_argument("--dir", type=Path, help="检查点目录(默认 HOTLINE_AUDIT_CHECKPOINTS)")
    receipt = sub.add_parser("check-receipt", help="校验市民保存的留痕回执")
    receipt.add_argument("file", type=Path, help="回执文件(公开查询接口返回的 JSON)")
    receipt.add_argument("--public-key", help="平台公钥(64 位十六进制);不给时使用回执自带的公钥")


def add_verify_arguments(verify: argparse.ArgumentParser) -> None:
    verify.add_argument(
        "--checkpoints",
        nargs="?",
        const="",
        type=str,
        metavar="DIR",
        help="并核对检查点目录(默认 HOTLINE_AUDIT_CHECKPOINTS)中每个签名树头",
    )
    verify.add_argument(
        "--public-key", action="append", default=[], help="受信任的公钥(可多次给出);默认取本机密钥文件"
    )


def handle(options: dict[str, Any], stdout: OutputWrapper) -> None:
    match options["sub"]:
        case "keygen":
            keygen(options["key"], options["force"], stdout)
        case "checkpoint":
            checkpoint(options["dir"], stdout)
        case "check-receipt":
            check_receipt(options["file"], options["public_key"], stdout)


def keygen(path: Path | None, force: bool, stdout: OutputWrapper) -> None:
    path = path or signing.key_path()
    try:
        key = signing.generate(path, force=force)
    except signing.SigningKeyError as exc:
        raise CommandError(str(exc)) from None
    public = signing.public_hex(key.public_key())
    stdout.write(f"私钥已写入 {path}(仅所有者可读;请另行备份,勿放入数据库)")
    stdout.write(f"公钥:{public}")
    stdout.write(f"密钥编号:{signing.key_id(public)}")


def checkpoint(directory: Path | None, stdout: OutputWrapper) -> None:
    try:
        made = checkpoints.make_checkpoint(directory)
    except (signing.SigningKeyError, checkpoints.CheckpointRefused) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"无法写入检查点目录:{exc.filename or ''} {exc.strerror or exc}") from None
    head = made.head
    stdout.write(
        f"检查点已签发:{head.tree_size} 条事件,根 {head.root_hash},"
        f"写入 {made.path},用时 {made.seconds:.2f} 秒"
    )
    if made.webhook_error:
        stdout.write(f"警告:检查点已写入目录,但未送达 webhook:{made.webhook_error}")


def trusted_keys(given: list[str]) -> tuple[list[str], str]:
    """The keys checkpoints must be signed with, and where they came from (zh-CN)."""
    if given:
        keys = [k.strip().lower() for k in given]
        for k in keys:
            try:
                if len(bytes.fromhex(k)) != 32:
                    raise ValueError
            except ValueError:
                raise CommandError(f"公钥应为 64 位十六进制:{k}") from None
        return keys, "指定的公钥"
    own = signing.installation_public_key()
    if own is None:
        raise CommandError(f"未找到审计签名密钥 {signing.key_path()}:请用 --public-key 指定受信任的公钥")
    return [own], f"本机密钥 {signing.key_path()} 的公钥"


def verify_checkpoints(directory: str, keys: list[str]) -> tuple[list[str], str]:
    """Problems found against the checkpoints (empty when all agree), and a summary."""
    keys, source = trusted_keys(keys)
    path = Path(directory) if directory else checkpoints.store_dir()
    started = time.perf_counter()
    report = checkpoints.verify_checkpoints(path, keys)
    summary = (
        f"检查点一致:{report.checkpoints} 个签名树头({source})均有效,"
        f"当前日志({report.size} 条事件)与每一个一致,用时 {time.perf_counter() - started:.2f} 秒"
    )
    return report.problems, summary


def check_receipt(path: Path, public_key: str | None, stdout: OutputWrapper) -> None:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise CommandError(f"回执文件不存在:{path}") from None
    except OSError as exc:
        raise CommandError(f"无法读取回执文件 {path}:{exc.strerror}") from None
    except ValueError:
        raise CommandError(f"回执文件不是有效的 JSON:{path}") from None
    result = receipts.check(data, public_key)
    if result.key_source:
        stdout.write(result.key_source)
    for line in result.lines:
        stdout.write(line)
    if not result.ok:
        raise CommandError("回执校验失败:" + ";".join(result.problems))
    stdout.write("回执校验通过")
