"""The JSON API (django-ninja): /api/v1, OpenAPI at /api/docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from hotline.analytics.api import router as analytics_router
from hotline.audit.api import router as audit_router
from hotline.bounds import parse_json
from hotline.errors import ActionError, TooManyAttempts
from hotline.openapi import HotlineAPI
from hotline.org.api import TokenAuth
from hotline.org.api import router as org_router
from hotline.routing.api import router as routing_router
from hotline.sla.api import router as sla_router
from hotline.tickets.api import public_router
from hotline.tickets.api import router as tickets_router
from hotline.web.search_api import router as search_router


class CleanJsonParser(Parser):
    """JSON bodies with their text cleaned and their depth bounded (``bounds.parse_json``).
    (A NUL in the path or the query string never gets here: ``web.middleware.refuse_nul_bytes``.)
    """

    def parse_body(self, request: HttpRequest) -> Any:
        return parse_json(request.body)


api = HotlineAPI(
    title="12345 政务服务便民热线平台 API",
    version="1",
    description="工单受理、派单、办理、回访、归档的全流程接口。鉴权:POST /api/v1/auth/token 获取令牌,"
    "然后在请求头中携带 Authorization: Bearer <token>。",
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
    parser=CleanJsonParser(),
)


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, TooManyAttempts):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"code": "unauthorized", "message": "未登录或令牌无效"}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own refusals (an unparsable body …) in the API's zh-CN shape.
    message = "请求体不是有效的 JSON,或嵌套过深" if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"code": "bad_request", "message": message}, status=exc.status_code)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "invalid", "message": "字段校验失败", "detail": exc.errors}, status=422
    )


api.add_router("/", org_router)
api.add_router("/", tickets_router)
api.add_router("/", public_router)
api.add_router("/", audit_router)
api.add_router("/", sla_router)
api.add_router("/", routing_router)
api.add_router("/", analytics_router)
api.add_router("/", search_router)
