"""``hotline user create NAME --role ROLE --unit CODE --password PW``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
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
        create.add_argument(
            "--password", required=True, help="密码(至少 10 位,不能是常见密码、纯数字或与登录名相近)"
        )
        create.add_argument("--display-name", default="", help="姓名")
        create.add_argument("--superuser", action="store_true", help="同时授予后台超级管理员权限")

    def handle(self, *args: Any, **options: Any) -> None:
        name = User.normalize_username(options["name"].strip())
        if not name:
            raise CommandError("登录名不能为空")
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"单位编码「{options['unit']}」不存在")
        if User.objects.filter(username=name).exists():
            raise CommandError(f"用户「{name}」已存在")
        is_admin = options["role"] == Role.ADMIN or options["superuser"]
        user = User(
            username=name,
            display_name=options["display_name"] or name,
            role=options["role"],
            unit=unit,
            is_staff=is_admin,
            is_superuser=options["superuser"],
        )
        try:
            # The validators of settings.AUTH_PASSWORD_VALIDATORS, judged against this user.
            validate_password(options["password"], user)
        except ValidationError as exc:
            raise CommandError("密码不符合要求:" + " ".join(exc.messages)) from exc
        user.set_password(options["password"])
        user.save()
        self.stdout.write(f"已创建用户 {user.username}({user.get_role_display()},{unit.name})")
