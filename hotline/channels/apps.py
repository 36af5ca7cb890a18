from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "hotline.channels"
    label = "channels"
    verbose_name = "渠道接入"
