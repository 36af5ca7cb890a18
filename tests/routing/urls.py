"""The project's URLs with the routing router mounted in front, for the endpoint tests.

Once ``hotline/api.py`` mounts ``hotline.routing.api.router`` this module changes
nothing: the same endpoint simply answers first from here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI

from hotline.org.api import TokenAuth
from hotline.routing.api import router
from hotline.tickets.errors import ActionError
from hotline.urls import urlpatterns as project_urlpatterns

routing_api = NinjaAPI(auth=TokenAuth(), urls_namespace="routing-test", docs_url=None)


@routing_api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return routing_api.create_response(request, exc.as_dict(), status=exc.status)


routing_api.add_router("/", router)

urlpatterns = [path("api/v1/", routing_api.urls), *project_urlpatterns]
