"""``hotline open311 key create --name NAME``: a new Open311 API key, printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.open311.models import ApiKey


class Command(BaseCommand):
    help = "Open311 接口:管理 API 密钥"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        key = sub.add_parser("key", help="API 密钥").add_subparsers(dest="action", required=True)
        create = key.add_parser("create", help="新建密钥(只显示这一次)")
        create.add_argument("--name", required=True, help="使用方名称")

    def handle(self, *args: Any, **opts: Any) -> None:
        name = (opts["name"] or "").strip()
        if not name or len(name) > 100:
            raise CommandError("名称不能为空,且不超过 100 字")
        _, key = ApiKey.issue(name)
        self.stdout.write(key)
