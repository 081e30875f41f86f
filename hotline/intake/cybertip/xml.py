"""Safe parsing of CyberTipline XML and validation against NCMEC's published XSD.

The parser never resolves entities, never reads the network, refuses a DOCTYPE (so no entity
expansion and no external entities) and sees at most ``CYBERTIP_MAX_XML_BYTES``; the XSD is the
official file named by ``HOTLINE_CYBERTIP_XSD`` and is never bundled with the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from lxml import etree

# Codes of NCMEC's reportResponse (Appendix D of its documentation).
SUCCESS = 0
SERVER_ERROR = 1000
AUTHENTICATION_REQUIRED = 2000
NOT_AUTHORISED = 3000
INVALID_REQUEST = 4000
VALIDATION_FAILED = 4100
MALFORMED_XML = 4110
MALFORMED_FILE = 4200
REPORT_DOES_NOT_EXIST = 5001
FILE_DOES_NOT_EXIST = 5002
ALREADY_RETRACTED = 5101
ALREADY_FINISHED = 5102


class XmlRefused(Exception):
    """XML we do not accept; ``code`` is the NCMEC response code, the message names the place."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class XsdMissing(Exception):
    """No usable XSD is configured: the endpoints must not accept anything."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
    )


@lru_cache(maxsize=4)
def _schema_at(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path, _parser()))


def schema() -> etree.XMLSchema:
    """The configured NCMEC schema, or ``XsdMissing`` saying which setting to fix."""
    path = settings.CYBERTIP_XSD
    if not path or not Path(path).is_file():
        raise XsdMissing(
            "HOTLINE_CYBERTIP_XSD names no readable file; set it to the path of NCMEC's "
            "'NCMEC Report Validcation.xsd'. Until then the CyberTipline API accepts nothing."
        )
    try:
        return _schema_at(path)
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise XsdMissing(f"HOTLINE_CYBERTIP_XSD ({path}) is not a usable XSD: {exc}") from None


def parse(raw: bytes, *, root: str) -> etree._Element:
    """Parse ``raw`` (one document whose root element is ``root``) or raise ``XmlRefused``.

    Order matters: size before parsing, well-formedness and DOCTYPE before the schema.
    """
    limit = settings.CYBERTIP_MAX_XML_BYTES
    if len(raw) > limit:
        raise XmlRefused(MALFORMED_XML, f"document larger than {limit} bytes")
    if not raw.strip():
        raise XmlRefused(MALFORMED_XML, f"empty body: send one <{root}> document")
    try:
        document = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(MALFORMED_XML, f"line {exc.lineno}: {exc.msg}") from None
    tree = document.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlRefused(MALFORMED_XML, "line 1: a DOCTYPE is not allowed (no DTDs or entities)")
    if document.tag != root:
        raise XmlRefused(
            MALFORMED_XML,
            f"line {document.sourceline}: root element is <{document.tag}>, expected <{root}>",
        )
    return document


@dataclass(frozen=True)
class SchemaError:
    line: int
    element: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.element}: {self.message}"


def validate(document: etree._Element) -> list[SchemaError]:
    """Every way ``document`` breaks NCMEC's schema, each with its line and element path."""
    xsd = schema()
    if xsd.validate(document):
        return []
    return [SchemaError(e.line, e.path or "", e.message) for e in xsd.error_log]


def rows(element: etree._Element, prefix: str = "") -> list[list[str]]:
    """Every element and attribute below ``element`` as ``[path, value]`` rows, in order.

    An empty element (the schema's flags such as ``<sextortion/>``) is a row with an empty
    value, so its presence is never lost.
    """
    out: list[list[str]] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments
        path = f"{prefix}{child.tag}"
        for name, value in sorted(child.attrib.items()):
            out.append([f"{path}/@{name}", str(value)])
        children = [c for c in child if isinstance(c.tag, str)]
        text = (child.text or "").strip()
        if children:
            if text:
                out.append([path, text])
            out.extend(rows(child, path + "/"))
        else:
            out.append([path, text])
    return out
