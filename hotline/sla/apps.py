from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "hotline.sla"
    label = "sla"
    verbose_name = "时限与督办"

    def ready(self) -> None:
        from hotline.sla import checks  # noqa: F401 - registers the calendar coverage check
