"""Input hygiene before any view runs.

A NUL byte in the path, the query string or a form field is refused with a 400 on both
databases alike: PostgreSQL cannot store one (it would be a 500 there), SQLite would
store it silently. JSON bodies are cleaned by the API's parser (``hotline.api``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict

NUL = "\x00"
MESSAGE = "请求中含有不允许的空字符(NUL)"


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _in_fields(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in v for v in values) for key, values in data.lists())


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path or _in_fields(request.GET):
        return True
    return request.method == "POST" and request.content_type in FORMS and _in_fields(request.POST)


def refuse_nul_bytes(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if not _has_nul(request):
            return get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "invalid", "message": MESSAGE}, status=400)
        # Imported here: the page helpers load the template machinery, not needed above.
        from hotline.web.views.common import error_page

        return error_page(request, 400, MESSAGE)

    return middleware
