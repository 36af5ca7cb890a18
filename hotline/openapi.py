"""What the OpenAPI says beyond each endpoint's answer when it succeeds: every refusal an
operation may answer, in one error shape, and the enumerations of the domain's codes.

Refusals come from a few places that do not depend on the endpoint, so they are declared
here by rule rather than on each route:

- 400 every operation: a NUL byte in the path or the query (``web.middleware``), a body
  that is not JSON or nests too deep (``api.CleanJsonParser``);
- 401 every operation that needs a token;
- 404 every operation with a path parameter: missing, or outside the caller's data scope
  (the same answer, so that numbers cannot be probed);
- 413 every operation that takes a body (``web.middleware.limit_request_size``);
- 422 every operation with a parameter or a body: a field that fails validation, named;
- and what an operation refuses by itself (``OWN_REFUSALS``).

An operation that declares a status itself (``response={429: …}``) keeps its own.
``tests/test_api_fuzz.py`` sends generated requests and fails on any status not declared.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ninja import NinjaAPI, Schema
from pydantic import ConfigDict, Field, WithJsonSchema

PREFIX = "/api/v1"

REFUSALS = {
    400: "请求无法解析:含空字符(NUL),或请求体不是有效的 JSON、嵌套过深",
    401: "未登录或令牌无效",
    403: "角色或数据范围不允许",
    404: "不存在,或不在您的数据范围内",
    409: "与工单当前状态或版本冲突(allowed 列出可执行的动作)",
    413: "请求体过大",
    422: "字段校验失败(detail 指明字段)",
    429: "尝试过于频繁(retry_after 给出等待秒数)",
}

# (method, path under /api/v1) → the refusals the operation answers by itself.
OWN_REFUSALS: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", "/auth/token"): (429,),
    ("post", "/tickets"): (403,),  # a role that does not take in tickets
    ("get", "/tickets/{number}"): (403,),  # ?unmask=true by a role that may not see it
    ("post", "/tickets/{number}/actions/{action}"): (403, 409),
    ("get", "/public/tickets/{number}"): (429,),
    # A unit outside the caller's scope, or none of that code.
    ("get", "/kpis"): (403, 404),
    ("get", "/kpis/ranking"): (403, 404),
    ("get", "/kpis/drill"): (403, 404),
}

BODY_METHODS = {"post", "put", "patch"}


class FieldError(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    """Every refusal: a stable code and a zh-CN message, and what more the code tells."""

    model_config = ConfigDict(
        extra="allow",
        title="ErrorOut",
        json_schema_extra={"description": "所有拒绝的统一格式:稳定的错误代码与中文说明"},
    )

    code: str = Field(description="稳定的错误代码,如 not_found、forbidden、invalid、stale")
    message: str = Field(description="中文说明")
    detail: list[FieldError] | None = Field(None, description="422:出错的字段")
    allowed: list[str] | None = Field(None, description="可执行的动作或可选值")
    retry_after: int | None = Field(None, description="429:多少秒后可再试")


def one_of(values: Iterable[str], description: str = "") -> WithJsonSchema:
    """Annotation of a text field or parameter that takes one of ``values``: the OpenAPI
    lists them; the value stays ``str``, which the endpoint refuses in words (422) when
    it is none of them. ``Annotated[str, one_of(State.values)]``."""
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if description:
        schema["description"] = description
    return WithJsonSchema(schema)


def _refusals(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation or method in BODY_METHODS
    statuses = {400}
    if operation.get("security"):
        statuses.add(401)
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if has_body:
        statuses.add(413)
    if parameters or has_body:
        statuses.add(422)
    return statuses | set(OWN_REFUSALS.get((method, path.removeprefix(PREFIX)), ()))


def declare_refusals(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (an OpenAPI document) with every operation's refusals declared."""
    error = {"$ref": "#/components/schemas/ErrorOut"}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    definition = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(definition.pop("$defs", {}))
    components["ErrorOut"] = definition
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_refusals(method, path, operation)):
                if status not in responses and str(status) not in responses:
                    responses[status] = {
                        "description": REFUSALS[status],
                        "content": {"application/json": {"schema": error}},
                    }
    return schema


class HotlineAPI(NinjaAPI):
    """The API whose OpenAPI declares every refusal (``declare_refusals``)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return declare_refusals(super().get_openapi_schema(*args, **kwargs))
