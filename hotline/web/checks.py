"""Start-up checks of how the platform is served (run by every command, ``serve`` too)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from hotline.keys import weak
from hotline.org.throttle import parse_limit, trusted_networks


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


@register("hotline")
def limits_and_proxies_are_readable(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A limit or a trusted proxy that cannot be read would fail every sign-in: say which."""
    errors = []
    for name, text in settings.HOTLINE_LIMITS.items():
        try:
            parse_limit(text)
        except ValueError:
            errors.append(
                Error(
                    f"HOTLINE_LIMIT_{name.upper()}={text!r} 无法识别",
                    hint="格式为「失败次数/分钟数」,两者均为正整数,如 5/15",
                    id="hotline.E002",
                )
            )
    try:
        trusted_networks(tuple(settings.HOTLINE_TRUSTED_PROXIES))
    except ValueError as exc:
        errors.append(
            Error(
                f"HOTLINE_TRUSTED_PROXIES 中的「{exc}」不是 IP 地址或网段",
                hint="用逗号分隔的 IP 地址或 CIDR 网段,如 127.0.0.1,10.0.0.0/8",
                id="hotline.E003",
            )
        )
    return errors
