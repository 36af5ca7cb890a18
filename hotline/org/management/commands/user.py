"""``hotline user create NAME --role ROLE --unit CODE --password PW``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.org.models import Role, Unit, User


class Command(BaseCommand):
    help = "用户管理:create 创建用户"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        create = sub.add_parser("create", help="创建用户")
        create.add_argument("name", help="登录名")
        create.add_argument("--role", required=True, choices=Role.values, help="角色")
        create.add_argument("--unit", required=True, help="单位编码")
        create.add_argument("--password", required=True, help="密码")
        create.add_argument("--display-name", default="", help="姓名")
        create.add_argument("--superuser", action="store_true", help="同时授予后台超级管理员权限")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("登录名不能为空")
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"单位编码「{options['unit']}」不存在")
        if User.objects.filter(username=name).exists():
            raise CommandError(f"用户「{name}」已存在")
        if len(options["password"]) < 6:
            raise CommandError("密码至少 6 位")
        is_admin = options["role"] == Role.ADMIN or options["superuser"]
        user = User.objects.create_user(
            username=name,
            password=options["password"],
            display_name=options["display_name"] or name,
            role=options["role"],
            unit=unit,
            is_staff=is_admin,
            is_superuser=options["superuser"],
        )
        self.stdout.write(f"已创建用户 {user.username}({user.get_role_display()},{unit.name})")
