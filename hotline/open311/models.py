"""Open311 clients' API keys (kept as SHA-256 digests only) and the requests they posted."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models

from hotline import clock


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_hex(16)


class ApiKey(models.Model):
    name = models.CharField("名称", max_length=100)
    key_digest = models.CharField("密钥摘要(SHA-256)", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=clock.now, editable=False)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "Open311 密钥"
        verbose_name_plural = "Open311 密钥"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, name: str) -> tuple[ApiKey, str]:
        """A new key: the row keeps its digest, the caller gets the only copy of the key."""
        key = secrets.token_urlsafe(32)
        return cls.objects.create(name=name, key_digest=digest(key)), key

    @classmethod
    def valid(cls, key: str) -> ApiKey | None:
        if not key:
            return None
        return cls.objects.filter(key_digest=digest(key), revoked_at__isnull=True).first()


class ServiceRequest(models.Model):
    """What an Open311 POST brought beside the ticket: the service it named, the client
    that sent it, and the fields the ticket has no place for (e-mail, media, attributes).
    Only tickets that came in through Open311 are listed by its GET requests."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="open311", verbose_name="工单"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, verbose_name="密钥")
    service_code = models.CharField("服务代码", max_length=32)
    email = models.CharField("电子邮箱", max_length=254, blank=True)
    media_url = models.URLField("图片链接", max_length=1000, blank=True)
    attributes = models.JSONField("附加属性", default=dict, blank=True)
    # GeoReport v2's token (``tokens/{token}``): a client that stored the token from its
    # POST finds the request's id with it. Unguessable; requests posted before had none.
    token = models.CharField("令牌", max_length=32, unique=True, null=True, default=new_token, editable=False)
    created_at = models.DateTimeField("提交时间", default=clock.now, db_index=True)

    class Meta:
        verbose_name = "Open311 诉求"
        verbose_name_plural = "Open311 诉求"
