"""Start-up checks of how the platform is served (run by every command, ``serve`` too)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from hotline.keys import weak


@register("hotline")
def secret_key_is_not_published(app_configs: Any, **kwargs: Any) -> list[Error]:
    """With DEBUG off, a published or weak signing key would let anyone forge sessions,
    password-reset links and CSRF tokens: refuse to run."""
    if settings.DEBUG or not weak(settings.SECRET_KEY):
        return []
    return [
        Error(
            "HOTLINE_SECRET_KEY 是公开的演示密钥或过于简单(至少 50 个字符),生产环境不能使用",
            hint="删除该设置即可使用本机自动生成的密钥文件 hotline-secret.key,或设置一个足够长的随机值",
            id="hotline.E001",
        )
    ]
