from typing import Any

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "hotline.routing"
    label = "routing"
    verbose_name = "智能派单"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from hotline.org.models import Unit
        from hotline.routing import catalogue, index, locate, preferences
        from hotline.routing.models import Boundary, DutyRule, RoutingFeedback
        from hotline.triage.models import Place

        # In-process invalidation; other processes notice through the caches' stamps.
        def invalidator(cached: Any) -> Any:
            def receiver(**kwargs: Any) -> None:
                cached.invalidate()

            return receiver

        for model, cached in (
            (Unit, index.UNITS),
            (DutyRule, catalogue.CATALOGUE),
            (Boundary, locate.BOUNDARIES),
            (RoutingFeedback, preferences.PREFERENCES),
            (Place, index.UNITS),  # the unit index maps place names to units
        ):
            receiver = invalidator(cached)
            post_save.connect(
                receiver, sender=model, weak=False, dispatch_uid=f"routing.inv.{model.__name__}"
            )
            post_delete.connect(
                receiver, sender=model, weak=False, dispatch_uid=f"routing.invd.{model.__name__}"
            )
