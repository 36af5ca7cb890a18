"""The project's URLs plus the analytics pages and API, as they will be mounted."""

from django.urls import include, path
from ninja import NinjaAPI

from hotline.analytics.api import router
from hotline.org.api import TokenAuth
from hotline.urls import urlpatterns as project

api = NinjaAPI(auth=TokenAuth(), urls_namespace="analytics-test-api")
api.add_router("/", router)

urlpatterns = [
    path("analytics/", include("hotline.analytics.urls")),
    path("api/analytics-test/", api.urls),
    *project,
]
