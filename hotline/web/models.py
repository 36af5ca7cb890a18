"""Files citizens attach on the portal (a photo of the pothole, the flooded road …)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import cached_property


class MediaStorage(FileSystemStorage):
    """MEDIA_ROOT when a deployment sets it, else ``<HOTLINE_DATA_DIR>/media``."""

    @cached_property
    def base_location(self) -> str:  # type: ignore[override]
        location = getattr(self, "_location", None)
        return str(self._value_or_setting(location, settings.MEDIA_ROOT or settings.DATA_DIR / "media"))


def media_storage() -> MediaStorage:
    return MediaStorage()


class Attachment(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name="工单", on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField("文件", upload_to="portal/%Y/%m/", storage=media_storage)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    content_type = models.CharField("类型", max_length=50)
    size = models.PositiveIntegerField("大小(字节)")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["id"]


class SavedFilter(models.Model):
    """A staff member's named search (常用筛选): the search page's query, kept as the
    query string of the fields the search reads (``tickets.search.KEYS``). Only its owner
    lists, opens or deletes it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField("名称", max_length=40)
    query = models.CharField("查询条件", max_length=1000)
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "常用筛选"
        verbose_name_plural = "常用筛选"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_user_name")]
