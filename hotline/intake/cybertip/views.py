"""The CyberTipline-compatible endpoints under ``/api/cybertip/`` (docs/cybertip.md).

Requests and answers follow NCMEC's CyberTipline Reporting API documentation: XML bodies or
form fields ``id``/``file`` in, ``<reportResponse>``/``<reportDoneResponse>`` out, with NCMEC's
response codes. Credentials: HTTP Basic (user name = key id, password = secret of an API
credential) or our bearer token; either needs the ``intake`` scope.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from hotline.accounts.actions import TOKEN_PREFIX, CredentialError, authenticate_token
from hotline.accounts.models import ApiCredential, Scope
from hotline.intake.cybertip import actions, xml
from hotline.intake.cybertip.actions import FileHashes, FlowError

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
DESCRIPTIONS = {
    xml.SUCCESS: "Success",
    xml.SERVER_ERROR: "Server error",
    xml.AUTHENTICATION_REQUIRED: "Authentication required",
    xml.NOT_AUTHORISED: "User is not authorized to perform this action",
    xml.INVALID_REQUEST: "Invalid request",
    xml.VALIDATION_FAILED: "Validation failed",
    xml.MALFORMED_XML: "Malformed XML submittal",
    xml.MALFORMED_FILE: "Malformed file submittal",
    xml.REPORT_DOES_NOT_EXIST: "Report does not exist",
    xml.FILE_DOES_NOT_EXIST: "File does not exist",
    xml.ALREADY_RETRACTED: "Report already retracted",
    xml.ALREADY_FINISHED: "Report already finished",
}
HTTP_STATUS = {
    xml.SUCCESS: 200,
    xml.SERVER_ERROR: 503,
    xml.AUTHENTICATION_REQUIRED: 401,
    xml.NOT_AUTHORISED: 403,
    xml.REPORT_DOES_NOT_EXIST: 404,
    xml.FILE_DOES_NOT_EXIST: 404,
    xml.ALREADY_RETRACTED: 409,
    xml.ALREADY_FINISHED: 409,
}
View = Callable[..., HttpResponse]


def _xml(root: etree._Element, status: int) -> HttpResponse:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    response = HttpResponse(body, status=status, content_type=XML_CONTENT_TYPE)
    # NCMEC's clients quote the Request-ID header when asking for help; ours is in the log.
    response["Request-ID"] = uuid.uuid4().hex
    return response


def report_response(
    code: int,
    detail: str = "",
    *,
    report_id: int | None = None,
    file_id: str = "",
    md5: str = "",
    status: int | None = None,
) -> HttpResponse:
    """A ``<reportResponse>``; errors carry NCMEC's description followed by what went wrong."""
    root = etree.Element("reportResponse")
    etree.SubElement(root, "responseCode").text = str(code)
    description = DESCRIPTIONS.get(code, "Error")
    if detail:
        description = detail if code == xml.SUCCESS else f"{description}: {detail}"
    etree.SubElement(root, "responseDescription").text = description
    if report_id is not None:
        etree.SubElement(root, "reportId").text = str(report_id)
    if file_id:
        etree.SubElement(root, "fileId").text = file_id
    if md5:
        etree.SubElement(root, "hash").text = md5
    return _xml(root, status if status is not None else HTTP_STATUS.get(code, 400))


def cybertip_endpoint(*, methods: tuple[str, ...] = ("POST",)) -> Callable[[View], View]:
    """Authenticate (Basic or Bearer, ``intake``), then refuse without a usable XSD (503):
    who may not use the API learns nothing of how it is configured."""

    def decorator(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            credential = _authenticate(request)
            if isinstance(credential, HttpResponse):
                return credential
            try:
                xml.schema()
            except xml.XsdMissing as exc:
                return report_response(xml.SERVER_ERROR, str(exc), status=503)
            if request.method not in methods:
                response = report_response(
                    xml.INVALID_REQUEST, f"use {', '.join(methods)}", status=405
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, credential, *args, **kwargs)
            except RequestDataTooBig:
                return report_response(xml.INVALID_REQUEST, "request body too large", status=413)
            except (SuspiciousOperation, MultiPartParserError) as exc:
                return report_response(xml.INVALID_REQUEST, str(exc) or type(exc).__name__)
            except FlowError as exc:
                return report_response(exc.code, str(exc), report_id=_report_id_or_none(request))
            except xml.XmlRefused as exc:
                return report_response(exc.code, str(exc))

        return wrapped

    return decorator


def _authenticate(request: HttpRequest) -> ApiCredential | HttpResponse:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    token = ""
    if scheme.lower() == "basic":
        try:
            user, _, password = (
                base64.b64decode(value.strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        if user and password:
            token = f"{TOKEN_PREFIX}_{user}_{password}"
    elif scheme.lower() == "bearer":
        token = value.strip()
    if not token:
        refused = report_response(
            xml.AUTHENTICATION_REQUIRED, "send HTTP Basic (key id, secret) or a bearer token"
        )
        refused["WWW-Authenticate"] = 'Basic realm="hotline cybertip"'
        return refused
    try:
        return authenticate_token(token, scope=Scope.INTAKE)
    except CredentialError as exc:
        if exc.status == 403:
            return report_response(xml.NOT_AUTHORISED, str(exc))
        refused = report_response(xml.AUTHENTICATION_REQUIRED, str(exc))
        refused["WWW-Authenticate"] = 'Basic realm="hotline cybertip"'
        return refused


def _report_id_or_none(request: HttpRequest) -> int | None:
    raw = request.POST.get("id", "") if request.method == "POST" else ""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _report_id(request: HttpRequest) -> int:
    raw = request.POST.get("id", "").strip()
    if not raw:
        raise FlowError(xml.INVALID_REQUEST, "form field 'id' (the report ID) is missing")
    if not raw.isdigit() or len(raw) > 18:
        raise FlowError(xml.INVALID_REQUEST, f"form field 'id': {raw[:40]!r} is not a report ID")
    return int(raw)


def _xml_body(request: HttpRequest, *, root: str) -> etree._Element:
    limit = settings.CYBERTIP_MAX_XML_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:  # refused before it is read
        raise xml.XmlRefused(xml.MALFORMED_XML, f"document larger than {limit} bytes")
    document = xml.parse(request.body, root=root)
    errors = xml.validate(document)
    if errors:
        shown = "; ".join(str(e) for e in errors[:20])
        raise xml.XmlRefused(xml.VALIDATION_FAILED, shown)
    return document


@cybertip_endpoint(methods=("GET",))
def status(request: HttpRequest, credential: ApiCredential) -> HttpResponse:
    """NCMEC's connection check: who is authenticated, from where (echoed, never stored)."""
    remote = request.META.get("REMOTE_ADDR", "")
    return report_response(xml.SUCCESS, f"Remote User : {credential.key_id}, Remote Ip : {remote}")


@cybertip_endpoint(methods=("GET",))
def xsd(request: HttpRequest, credential: ApiCredential) -> HttpResponse:
    """The schema reports are validated against (the configured official file)."""
    return HttpResponse(Path(settings.CYBERTIP_XSD).read_bytes(), content_type=XML_CONTENT_TYPE)


@cybertip_endpoint()
def submit(request: HttpRequest, credential: ApiCredential) -> HttpResponse:
    """Open a report with one ``<report>`` document; nothing is stored when it is invalid."""
    document = _xml_body(request, root="report")
    submission = actions.open_submission(credential=credential, raw=request.body, document=document)
    return report_response(xml.SUCCESS, report_id=submission.pk)


@cybertip_endpoint()
def upload(request: HttpRequest, credential: ApiCredential) -> HttpResponse:
    """Add a file (multipart ``file``), or a hash-only file (fields ``md5``/``sha1``/``sha256``
    instead of ``file``); the file's content is hashed and never kept."""
    report_id = _report_id(request)
    uploaded = request.FILES.get("file")
    if uploaded is not None:
        if uploaded.size is not None and uploaded.size > settings.CYBERTIP_MAX_FILE_BYTES:
            raise FlowError(
                xml.MALFORMED_FILE, f"file larger than {settings.CYBERTIP_MAX_FILE_BYTES} bytes"
            )
        digests = [
            hashlib.md5(usedforsecurity=False),
            hashlib.sha1(usedforsecurity=False),
            hashlib.sha256(),
        ]
        for chunk in uploaded.chunks():
            for digest in digests:
                digest.update(chunk)
        hashes = FileHashes(
            md5=digests[0].hexdigest(),
            sha1=digests[1].hexdigest(),
            sha256=digests[2].hexdigest(),
            size=uploaded.size,
            file_name=uploaded.name or "",
        )
    else:
        hashes = _declared_hashes(request)
    added = actions.add_file(
        credential=credential, report_id=report_id, hashes=hashes, uploaded=uploaded is not None
    )
    return report_response(xml.SUCCESS, report_id=report_id, file_id=added.file_id, md5=added.md5)


def _declared_hashes(request: HttpRequest) -> FileHashes:
    lengths = {"md5": 32, "sha1": 40, "sha256": 64}
    values: dict[str, str] = {}
    for field, length in lengths.items():
        value = request.POST.get(field, "").strip().lower()
        if not value:
            continue
        if len(value) != length or any(c not in "0123456789abcdef" for c in value):
            raise FlowError(
                xml.MALFORMED_FILE, f"form field '{field}': {length} hexadecimal characters"
            )
        values[field] = value
    if not values:
        raise FlowError(
            xml.MALFORMED_FILE,
            "send the file in form field 'file', or its hashes in 'md5', 'sha1' or 'sha256'",
        )
    return FileHashes(
        md5=values.get("md5", ""), sha1=values.get("sha1", ""), sha256=values.get("sha256", "")
    )


@cybertip_endpoint()
def fileinfo(request: HttpRequest, credential: ApiCredential) -> HttpResponse:
    """Details of one file, once (``<fileDetails>``): hashes, annotations, capture events…"""
    document = _xml_body(request, root="fileDetails")
    submission = actions.add_file_details(credential=credential, details=document)
    return report_response(xml.SUCCESS, report_id=submission.pk)


@cybertip_endpoint()
def finish(request: HttpRequest, credential: ApiCredential) -> HttpResponse:
    """File the report in our queue; answered with NCMEC's ``<reportDoneResponse>``."""
    submission, file_ids = actions.finish_submission(
        credential=credential, report_id=_report_id(request)
    )
    root = etree.Element("reportDoneResponse")
    etree.SubElement(root, "responseCode").text = str(xml.SUCCESS)
    etree.SubElement(root, "reportId").text = str(submission.pk)
    files = etree.SubElement(root, "files")
    for file_id in file_ids:
        etree.SubElement(files, "fileId").text = file_id
    return _xml(root, 200)


@cybertip_endpoint()
def retract(request: HttpRequest, credential: ApiCredential) -> HttpResponse:
    """Cancel an unfinished report; what it held is deleted."""
    submission = actions.retract_submission(credential=credential, report_id=_report_id(request))
    return report_response(xml.SUCCESS, report_id=submission.pk)
