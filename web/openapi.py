"""OpenAPI 3.1 document built from the blueprints a service actually registers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from faust.web import Blueprint, View

from web.auth import PERMISSION_ATTR, PUBLIC_ATTR, SUMMARY_ATTR

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"{(\w+)}")


def view_methods(view: type[View]) -> Iterable[tuple[str, Any]]:
    """The HTTP methods a view class implements itself (not Faust's 405 defaults)."""
    for name in HTTP_METHODS:
        method = getattr(view, name)
        if getattr(method, "__code__", None) is not getattr(View, name).__code__:
            yield name, method


def routes(blueprints: Iterable[Blueprint]) -> Iterable[tuple[str, str, Any]]:
    for blueprint in blueprints:
        for route in blueprint.routes:
            handler = route.handler
            if not (isinstance(handler, type) and issubclass(handler, View)):
                raise TypeError(f"{route.uri}: only class-based views are supported")
            for name, method in view_methods(handler):
                yield route.uri, name, method


def _operation(path: str, method: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": getattr(method, SUMMARY_ATTR, ""), "responses": {}}
    params = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in _PARAM.findall(path)
    ]
    if params:
        op["parameters"] = params
    if getattr(method, PUBLIC_ATTR, False):
        op["security"] = []
        op["responses"]["200"] = {"description": "OK"}
    else:
        op["security"] = [{"bearer": []}]
        op["x-permission"] = getattr(method, PERMISSION_ATTR, None)
        op["responses"].update(
            {
                "200": {"description": "OK"},
                "401": {"$ref": "#/components/responses/Problem"},
                "403": {"$ref": "#/components/responses/Problem"},
            }
        )
    return op


def build_document(service: str, blueprints: Iterable[Blueprint]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, name, method in routes(blueprints):
        paths.setdefault(path, {})[name] = _operation(path, method)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"Collection CRM — {service} service", "version": "0.1.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": {"type": "object"}}},
                }
            },
        },
    }
