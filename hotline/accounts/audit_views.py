"""The auditors' audit log: filter, page, export as CSV, verify the chain.

Here rather than in ``hotline.audit``: the pages need roles (accounts), and the audit app
sits below accounts. Objects are found through ``hotline.audit.objects``, where the apps
that own them register, so these views know no case model either.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.accounts.forms import AuditLogForm
from hotline.accounts.models import User
from hotline.accounts.rules import AUDIT_LOG_READERS, role_required
from hotline.audit.actions import check_chain, integrate_all, record
from hotline.audit.queries import chain_head, csv_lines, event_page, last_check, pending_events


def _auditor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _log_context(form: AuditLogForm) -> dict[str, Any]:
    waiting, oldest = pending_events()
    return {
        "form": form,
        "head": chain_head(),
        "check": last_check(),
        "pending": waiting,
        "pending_since": oldest,
    }


@require_GET
@role_required(*AUDIT_LOG_READERS)
def audit_log(request: HttpRequest) -> HttpResponse:
    """One page of events, newest first; reading it is itself an audit event."""
    form = AuditLogForm(request.GET)
    context = _log_context(form)
    if not form.is_valid():
        return render(request, "audit/log.html", context, status=400)
    selection = form.to_filter()
    page = event_page(selection, before=form.cleaned_data["before"])
    record(
        "audit.view",
        actor=_auditor(request),
        detail={**selection.as_detail(), "shown": len(page.events)},
    )
    query = request.GET.copy()
    query.pop("before", None)
    older = query.copy()
    if page.older_than is not None:
        older["before"] = str(page.older_than)
    context.update(
        {
            "page": page,
            "rows": [
                {
                    "event": event,
                    "at": event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    "detail": json.dumps(event.detail, sort_keys=True, ensure_ascii=False),
                }
                for event in page.events
            ],
            "query": query.urlencode(),
            "older_query": older.urlencode() if page.older_than is not None else "",
            "paged": form.cleaned_data["before"] is not None,
        }
    )
    return render(request, "audit/log.html", context)


@require_GET
@role_required(*AUDIT_LOG_READERS)
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """CSV of exactly the filtered range up to the signed head seen at the start (streamed).

    The export's own event comes after that head, so it is not in the file, and events
    written while the file streams are not either: the file is a fixed range.
    """
    form = AuditLogForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/log.html", _log_context(form), status=400)
    # The file covers the tree up to a signed head, so events committed before the click are
    # placed first: an unfiltered export recomputes that head's root.
    integrate_all()
    head = chain_head()
    selection = replace(form.to_filter(), through_seq=head[0] if head else 0)
    record("audit.export", actor=_auditor(request), detail=selection.as_detail())
    response = StreamingHttpResponse(csv_lines(selection), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-log-through-{selection.through_seq}.csv"'
    )
    return response


@require_POST
@role_required(*AUDIT_LOG_READERS)
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Verify the whole log now (it reads every event, so it is a button, not a page load)."""
    check = check_chain(actor=_auditor(request))
    if check.ok:
        messages.success(
            request,
            _("The audit chain is intact: %(count)s events checked.")
            % {"count": check.events_checked},
        )
    else:
        messages.error(
            request,
            _("The audit chain is BROKEN: %(count)s problems found.")
            % {"count": check.problem_count},
        )
    return redirect(reverse("audit:log"))
