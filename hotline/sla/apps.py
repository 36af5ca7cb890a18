from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "hotline.sla"
    label = "sla"
    verbose_name = "时限与督办"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline.sla import checks  # noqa: F401 - registers the calendar coverage check
        from hotline.sla.notify import on_ticket_changed
        from hotline.tickets.models import Ticket
        from hotline.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, sender=Ticket, dispatch_uid="sla-notify")
