from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hotline.web"
    label = "web"
    verbose_name = "页面与附件"

    def ready(self) -> None:
        from hotline.web import checks  # noqa: F401 - registers the serving checks
