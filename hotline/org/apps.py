from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "hotline.org"
    label = "org"
