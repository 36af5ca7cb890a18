"""Input hygiene before any view runs, and a page for a method a view does not take.

A body over its size (``hotline.bounds``) is refused with 413 before a byte of it is
read: by its declared length, and for an upload also while it is read, at the first file
that passes ``MAX_FILE_BYTES`` (``CappedUploadHandler``) — so nothing of it is stored.

A NUL byte in the path, the query string or a form field is refused with a 400 on both
databases alike: PostgreSQL cannot store one (it would be a 500 there), SQLite would
store it silently. JSON bodies are cleaned by the API's parser (``hotline.api``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError

from hotline.bounds import MAX_BODY_BYTES, MAX_FILE_BYTES, MAX_FILES, MAX_UPLOAD_BYTES, MB

NUL = "\x00"
MESSAGE = "请求中含有不允许的空字符(NUL)"
MULTIPART = "multipart/form-data"
TOO_LARGE = {
    MULTIPART: f"上传内容过大:每个文件不能超过 {MAX_FILE_BYTES // MB} MB,最多 {MAX_FILES} 个文件,"
    f"整个请求不能超过 {MAX_UPLOAD_BYTES // MB} MB",
    "": f"请求内容过大:不能超过 {MAX_BODY_BYTES // MB} MB",
}


FORMS = ("application/x-www-form-urlencoded", MULTIPART)


def _in_fields(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in v for v in values) for key, values in data.lists())


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path or _in_fields(request.GET):
        return True
    return request.method == "POST" and request.content_type in FORMS and _in_fields(request.POST)


def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        code = "too_large" if status == 413 else "invalid"
        return JsonResponse({"code": code, "message": message}, status=status)
    # Imported here: the page helpers load the template machinery, not needed above.
    from hotline.web.views.common import error_page

    return error_page(request, status, message)


class CappedUploadHandler(FileUploadHandler):
    """First of the upload handlers: stops reading a multipart body at the first file
    that passes MAX_FILE_BYTES, before the handlers after it store that chunk."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > MAX_FILE_BYTES:
            self.request.upload_too_large = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django reads it: an unreadable length is an empty body


def limit_request_size(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        kind = MULTIPART if request.content_type == MULTIPART else ""
        if _declared_length(request) > (MAX_UPLOAD_BYTES if kind else MAX_BODY_BYTES):
            return _refuse(request, 413, TOO_LARGE[kind])
        if request.method == "POST" and request.content_type in FORMS:
            try:
                request.FILES  # noqa: B018 - read the form now, under the caps, not in a view
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                return _refuse(request, 413, TOO_LARGE[kind])
            except MultiPartParserError:
                return _refuse(request, 400, "表单格式无效,无法读取")
            if getattr(request, "upload_too_large", False):
                return _refuse(request, 413, TOO_LARGE[kind])
        return get_response(request)

    return middleware


def refuse_nul_bytes(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if not _has_nul(request):
            return get_response(request)
        return _refuse(request, 400, MESSAGE)

    return middleware


# Paths whose peers read their own format: their 405 stays as their framework answers it.
MACHINE_PATHS = ("/api/", "/open311/", "/channels/")


def method_not_allowed_page(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A page opened the wrong way (a bookmarked form address, a link to a POST-only
    action) gets a zh-CN page, not ``require_POST``'s empty 405 (a blank screen)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code != 405 or response.content or request.path.startswith(MACHINE_PATHS):
            return response
        page = _refuse(request, 405, "此地址不能直接打开,请回到页面上点按钮办理。")
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page

    return middleware
