"""The OpenAPI schema says what the API does (issue 11): every status a route can answer, with its body.

A drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds to every
operation the answers that come from the framework rather than the view:

- 400 a bad body or query (DRF's `{field: [reasons]}` or `{"detail": …}` for unparsable JSON);
- 401 no or a bad token, 403 a token without the scope or a user of another role, 429 throttled
  (bad tokens per IP), each `{"detail": …}`;
- 404 for a route with a path parameter or a `page` query parameter (DRF's "invalid page");
  415 for a body that is not JSON.

Where a view documents its own 400, 403 or 404 body (field errors, a refusal), the framework's
`{"detail": …}` is added to it as an alternative (`anyOf`), since both can be answered; so are
DRF's field errors to a documented 400 of an operation with a body (a serializer's `is_valid`).

The framework's body is the component `Error`: an app whose serializer would also be named
`Error` is refused when the schema is generated (it would silently replace this one).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext, gettext_noop

ERROR = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS = {"$ref": "#/components/schemas/ValidationErrors"}

COMPONENTS = {
    "Error": {
        "type": "object",
        "description": "DRF's error body: authentication, permission, not found, throttled, unparsable JSON.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": "Field name → reasons (DRF validation), or `detail` for a body that is not valid JSON.",
        "additionalProperties": {},
    },
}

# in the language of the request for the schema (an API client's Accept-Language, config.locale)
DESCRIPTIONS = {
    "400": gettext_noop("请求有误：字段与原因"),
    "401": gettext_noop("未认证：缺少令牌或令牌无效"),
    "403": gettext_noop("无权限：令牌没有此接口的权限范围，或非经办人员"),
    "404": gettext_noop("不存在（或不属于本机构）"),
    "415": gettext_noop("请求体须为 JSON"),
    "429": gettext_noop("请求过于频繁（无效令牌过多），稍后再试"),
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _with_alternative(response: dict, alternative: dict) -> None:
    content = response.setdefault("content", {})
    media = content.setdefault("application/json", {})
    existing = media.get("schema")
    if existing is None:
        media["schema"] = alternative
    elif "anyOf" in existing:
        if alternative not in existing["anyOf"]:
            existing["anyOf"].append(alternative)
    elif existing != alternative:
        media["schema"] = {"anyOf": [existing, alternative]}


def _has_page_parameter(operation: dict) -> bool:
    return any(p.get("in") == "query" and p.get("name") == "page" for p in operation.get("parameters", []))


def document_framework_answers(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in COMPONENTS.items():
        if schemas.setdefault(name, schema) != schema:
            raise ImproperlyConfigured(
                f"OpenAPI component {name!r} is core.schema's; rename the app serializer that is also called so"
            )
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            wanted = {"400": FIELD_ERRORS, "401": ERROR, "403": ERROR, "429": ERROR}
            if "{" in path or _has_page_parameter(operation):
                wanted["404"] = ERROR
            if "requestBody" in operation:
                wanted["415"] = ERROR
            for status, schema in wanted.items():
                if status in responses:
                    _with_alternative(responses[status], ERROR)
                    if status == "400" and "requestBody" in operation:
                        _with_alternative(responses[status], FIELD_ERRORS)
                else:
                    responses[status] = {
                        "description": gettext(DESCRIPTIONS[status]),
                        "content": _json(schema),
                    }
    return result
