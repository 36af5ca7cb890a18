from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "hotline.org"
    label = "org"
    verbose_name = "组织与用户"
