"""Password validators of ``settings.AUTH_PASSWORD_VALIDATORS`` beyond Django's own.

Django 5.2 words the minimum-length message with ``%d`` while its zh-hans catalogue still
translates the older ``%(min_length)d`` wording, so that one message would be English;
this validator says it in zh-CN. The other validators' messages are Django's, translated.
"""

from __future__ import annotations

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短,至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
