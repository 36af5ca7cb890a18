from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "hotline.analytics"
    label = "analytics"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "统计分析"
