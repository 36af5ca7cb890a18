"""Open311 answers in the spec's two formats: JSON, and XML with the declaration and the
spec's element names (a list's root and item names: services/service, requests/request,
errors/error, service_requests/request; a definition's attributes/attribute/values/value)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - writing XML, never parsing it
from typing import Any

from django.http import HttpResponse

# The XML element of a list's items, by the list's own name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "formats": "format",
    "endpoints": "endpoint",
    "keywords": "keyword",
}
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline, return; lone
# surrogates; U+FFFE/U+FFFF): left out of the XML answer, which would not parse otherwise.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(element.tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, item), inner)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def answer(fmt: str, value: Any, *, xml_root: str, status: int = 200) -> HttpResponse:
    """``value`` as JSON, or as XML under ``xml_root`` (a list's items named after it)."""
    if fmt == "xml":
        return HttpResponse(to_xml(xml_root, value), content_type=XML_TYPE, status=status)
    body = json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, content_type=JSON_TYPE, status=status)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return answer(fmt, [{"code": status, "description": description}], xml_root="errors", status=status)
