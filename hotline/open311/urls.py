from django.urls import path, register_converter

from hotline.open311 import views


class Format:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Format, "open311_format")

urlpatterns = [
    path("discovery.<open311_format:fmt>", views.discovery),
    path("services.<open311_format:fmt>", views.services),
    path("services/<str:code>.<open311_format:fmt>", views.service_definition),
    path("requests.<open311_format:fmt>", views.requests),
    path("requests/<str:request_id>.<open311_format:fmt>", views.one_request),
    path("servicerequestupdates.<open311_format:fmt>", views.request_updates),
    path("tokens/<str:token>.<open311_format:fmt>", views.token),
]
