"""Does an answer match what /api/schema/ documents for it? (The check schemathesis makes, in a test.)"""

from __future__ import annotations

import jsonschema


def _nullable(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema's `type: [..., "null"]`."""
    if isinstance(node, dict):
        node = {key: _nullable(value) for key, value in node.items()}
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_nullable(value) for value in node]
    return node


def documented_body(schema: dict, path: str, method: str, status: int) -> dict:
    responses = schema["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path}: {status} undocumented (documents {sorted(responses)})"
    return responses[str(status)]["content"]["application/json"]["schema"]


def assert_conforms(schema: dict, path: str, method: str, response) -> None:
    """The response's status is documented for the operation and its JSON body matches that schema."""
    body_schema = documented_body(schema, path, method, response.status_code)
    document = _nullable({**body_schema, "components": schema["components"]})
    jsonschema.validate(response.json(), document)
