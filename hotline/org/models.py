"""Units (the organisation tree), users and their roles, API tokens.

The tree is stored with a materialised ``path`` ("/1/7/42/") so that "this unit and
everything below it" — the data scope — is one indexed prefix match.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Level(models.TextChoices):
    CENTRE = "centre", "12345中心"
    PREFECTURE = "prefecture", "州(市)级"
    COUNTY = "county", "县(市、区)级"
    TOWNSHIP = "township", "乡镇(街道)级"
    VILLAGE = "village", "村(社区)级"


class UnitKind(models.TextChoices):
    CENTRE = "centre", "热线中心"
    GOVERNMENT = "government", "人民政府"
    FUNCTIONAL = "functional", "职能机构"
    EXECUTING = "executing", "执行机构"


class Unit(models.Model):
    code = models.CharField("单位编码", max_length=32, unique=True)
    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("树路径", max_length=255, db_index=True, editable=False)
    # The place this unit governs or serves (county / township / village name), used by
    # routing and the gazetteer; empty for centre-wide units.
    area = models.CharField("辖区", max_length=100, blank=True)
    duties = models.TextField("职能", blank=True)
    # Where the place of ``area`` lies (WGS-84): the map and a ticket's position without
    # the citizen's own point. A unit without them takes its nearest ancestor's.
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.pk:
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            kwargs = {}
        self.path = self.compute_path()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def compute_path(self) -> str:
        parent_path = self.parent.path if self.parent_id and self.parent else "/"
        return f"{parent_path}{self.pk}/"

    def is_below(self, other: Unit) -> bool:
        """True if this unit is strictly below ``other`` in the tree."""
        return self.path != other.path and self.path.startswith(other.path)

    def is_within(self, other: Unit) -> bool:
        """True if this unit is ``other`` or below it."""
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    OPERATOR = "operator", "话务员"
    DISPATCHER = "dispatcher", "派单员"
    HANDLER = "handler", "承办人"
    SUPERVISOR = "supervisor", "督办员"
    REVIEWER = "reviewer", "质检员"
    CALLBACK = "callback", "回访员"
    LEADER = "leader", "领导"
    ADMIN = "admin", "管理员"


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="users", null=True
    )
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.HANDLER)
    phone = models.CharField("手机号", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    # What an administrator (role 管理员, staff) keeps in the admin site: units, users,
    # routing, calendars and time limits, the knowledge base, triage's topics, API keys.
    # The audit trail is in none of them: no one edits it.
    ADMIN_APPS = frozenset({"org", "routing", "sla", "knowledge", "triage", "open311"})

    def _administers(self, app_label: str) -> bool:
        return self.is_active and self.is_staff and self.role == Role.ADMIN and app_label in self.ADMIN_APPS

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self._administers(perm.partition(".")[0]) or super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self._administers(app_label) or super().has_module_perms(app_label)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> str:
        raw = secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            digest=cls.digest_of(raw),
            expires_at=timezone.now() + timedelta(hours=settings.HOTLINE_TOKEN_TTL_HOURS),
        )
        return raw


class Attempt(models.Model):
    """One attempt counted against a limit (``hotline.org.throttle``): a sign-in or a
    citizen's lookup, counted from before it is tried; a success takes its row back.
    A row counts until ``expires_at`` (its limit's window after it was made)."""

    key = models.CharField(max_length=200)  # "<limit>:<subject>", e.g. "login_account:operator"
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "受限尝试"
        verbose_name_plural = "受限尝试"
        indexes = [
            models.Index(fields=["key", "expires_at"], name="attempt_key_idx"),
            models.Index(fields=["expires_at"], name="attempt_expiry_idx"),
        ]
