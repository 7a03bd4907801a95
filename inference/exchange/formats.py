"""The exchange document as JSON and as XML (validated against vanthu-exchange.xsd), and reading either back
with errors that name the line and the element or key."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

from lxml import etree
from pydantic import BaseModel, ValidationError

from inference.exchange.standard import Exchange

NAMESPACE = "urn:vanthu:exchange:1"
SCHEMA_PATH = Path(__file__).with_name("vanthu-exchange.xsd")
ITEM_TAGS = {"Files": "File", "Documents": "Document", "To": "OrganName"}
"""List fields and the element each of their items is written as."""

ExchangeFormat = Literal["json", "xml"]


class ExchangeFormatError(ValueError):
    """The file is not a valid exchange document; `reason` says where and why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@cache
def xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def dump(exchange: Exchange, format: ExchangeFormat) -> bytes:
    return dump_json(exchange) if format == "json" else dump_xml(exchange)


def dump_json(exchange: Exchange) -> bytes:
    return exchange.model_dump_json(indent=2, exclude_none=True).encode()


def dump_xml(exchange: Exchange) -> bytes:
    root = etree.Element(_tag("Exchange"), nsmap={None: NAMESPACE})
    _append_fields(root, exchange)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _append_fields(parent: etree._Element, model: BaseModel) -> None:
    for name, value in model:
        if value is None:
            continue
        element = etree.SubElement(parent, _tag(name))
        if isinstance(value, list):
            for item in value:
                _fill(etree.SubElement(element, _tag(ITEM_TAGS[name])), item)
        else:
            _fill(element, value)


def _fill(element: etree._Element, value: object) -> None:
    if isinstance(value, BaseModel):
        _append_fields(element, value)
    else:
        element.text = value.isoformat() if hasattr(value, "isoformat") else str(value)


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def load(data: bytes) -> Exchange:
    """JSON or XML, told apart by the first character. Raises `ExchangeFormatError`."""
    head = data.lstrip()[:1]
    if head == b"<":
        return load_xml(data)
    if head == b"{":
        return load_json(data)
    raise ExchangeFormatError("neither JSON (starting with '{') nor XML (starting with '<')")


def load_json(data: bytes) -> Exchange:
    try:
        raw = json.loads(data)
    except UnicodeDecodeError as error:
        raise ExchangeFormatError(f"not UTF-8 text: {error.reason} at byte {error.start}") from error
    except json.JSONDecodeError as error:
        raise ExchangeFormatError(f"line {error.lineno}, column {error.colno}: {error.msg}") from error
    try:
        return Exchange.model_validate(raw)
    except ValidationError as error:
        raise ExchangeFormatError(_first_problem(error, lambda loc: None)) from error


def load_xml(data: bytes) -> Exchange:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ExchangeFormatError(f"line {error.lineno}: {error.msg}") from error
    schema = xml_schema()
    if not schema.validate(root):
        problem = schema.error_log.filter_from_errors()[0]
        message = problem.message.replace(f"{{{NAMESPACE}}}", "")
        raise ExchangeFormatError(f"line {problem.line}: {message}")
    lines: dict[tuple[str | int, ...], int] = {}
    raw = _read_element(root, (), lines)
    try:
        return Exchange.model_validate(raw)
    except ValidationError as error:
        raise ExchangeFormatError(_first_problem(error, lambda loc: lines.get(loc))) from error


def _read_element(element: etree._Element, path: tuple[str | int, ...], lines: dict) -> dict[str, object]:
    values: dict[str, object] = {}
    for child in element:
        name = etree.QName(child).localname
        child_path = (*path, name)
        lines[child_path] = child.sourceline
        if name in ITEM_TAGS:
            values[name] = [_read_item(item, (*child_path, i), lines) for i, item in enumerate(child)]
        elif len(child):
            values[name] = _read_element(child, child_path, lines)
        else:
            values[name] = child.text or ""
    return values


def _read_item(item: etree._Element, path: tuple[str | int, ...], lines: dict) -> object:
    lines[path] = item.sourceline
    return _read_element(item, path, lines) if len(item) else item.text or ""


def _first_problem(error: ValidationError, line_of) -> str:
    problem = error.errors()[0]
    location = tuple(problem["loc"])
    where = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in location).replace(".[", "[")
    line = line_of(location)
    return f"{f'line {line}, ' if line else ''}{where or 'document'}: {problem['msg']}"
