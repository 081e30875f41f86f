from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.accounts.models import Role, User
from hotline.accounts.rules import CASE_ROLES, role_required
from hotline.audit.actions import record
from hotline.cases import actions, queries
from hotline.cases.actions import ItemBusy, Verdict, known_match_verdict
from hotline.cases.forms import (
    AGE_KEYS,
    LEGALITY_KEYS,
    AssessmentForm,
    ConfirmationForm,
    QueueFilterForm,
    instance_scheme,
    scheme_mappings,
    severity_categories,
)
from hotline.cases.models import Confirmation, Item, ItemStatus
from hotline.cases.panels import panel_context
from hotline.cases.templatetags.verdicts import verdict_summary

QUEUE_LIMIT = 200


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _item(request: HttpRequest, pk: int) -> Item:
    return get_object_or_404(queries.visible_items(_user(request)), pk=pk)


def _queue_filters(query: str) -> dict[str, str]:
    """The queue filters carried in a query string (from the queue to the item and back)."""
    return QueueFilterForm(QueryDict(query)).filters()


def _queue_url(query: str) -> str:
    return reverse("cases:queue") + (f"?{query}" if query else "")


def _item_url(pk: int, query: str) -> str:
    url = reverse("cases:item", args=[pk])
    return f"{url}?{urlencode({'queue': query})}" if query else url


@role_required(*CASE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    matching = queries.queue_items(user, filters)
    items = list(matching[:QUEUE_LIMIT])
    query = request.GET.urlencode()
    record("queue.view", actor=user, detail={"shown": len(items), "filters": filters})
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "filters": filters,
            "items": items,
            "total": matching.count() if len(items) == QUEUE_LIMIT else len(items),
            "limit": QUEUE_LIMIT,
            "counts": queries.status_counts(user),
            "query": query,
            "waiting": filters["status"] == ItemStatus.NEW,
            "pending_confirmations": queries.awaiting_confirmation(user).count(),
        },
    )


def _open_next(request: HttpRequest, user: User, query: str) -> HttpResponse:
    """Claim the top item of the (filtered) queue for this analyst and open it."""
    for _attempt in range(3):  # another analyst may claim the same item a moment earlier
        item = queries.next_item(user, _queue_filters(query))
        if item is None:
            messages.info(request, _("Nothing else waits for assessment."))
            return redirect(_queue_url(query))
        try:
            actions.claim_item(item, acting_user=user)
        except ItemBusy:
            continue
        return redirect(_item_url(item.pk, query))
    return redirect(_queue_url(query))


@role_required(*CASE_ROLES)
@require_POST
def next_item(request: HttpRequest) -> HttpResponse:
    """Open the next waiting item (the queue's filters apply)."""
    return _open_next(request, _user(request), request.POST.get("queue", ""))


@role_required(*CASE_ROLES)
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    query = request.POST.get("queue", "")
    try:
        actions.claim_item(item, acting_user=_user(request))
    except ItemBusy as exc:
        messages.error(request, str(exc))
        return redirect(_queue_url(query))
    return redirect(_item_url(pk, query))


@role_required(*CASE_ROLES)
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    actions.release_item(_item(request, pk), acting_user=_user(request))
    return redirect(_queue_url(request.POST.get("queue", "")))


def _initial(item: Item) -> dict[str, str]:
    """A known-material match pre-fills the form with its pre-classification."""
    verdict = known_match_verdict(item) if item.known_match else None
    if verdict is None:
        return {}
    return {
        "legality": verdict.legality,
        "severity": verdict.severity,
        "age_group": verdict.age_group,
    }


@role_required(*CASE_ROLES)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = _item(request, pk)
    query = (
        request.POST.get("queue", "") if request.method == "POST" else request.GET.get("queue", "")
    )
    waiting = item.status == ItemStatus.NEW
    form = AssessmentForm(request.POST or None, initial=_initial(item))
    if request.method == "POST":
        if not waiting:
            messages.error(request, _("This item has a verdict already; it was not changed."))
            return redirect(_item_url(pk, query))
        if form.is_valid():
            try:
                assessment = actions.assess_item(item, form.verdict(), acting_user=user)
            except ItemBusy as exc:
                form.add_error(None, str(exc))
            else:
                if assessment.confirmation == Confirmation.PENDING:
                    text = _(
                        "Item #%(pk)s: your verdict (%(verdict)s) is saved and waits for a "
                        "supervisor's confirmation."
                    )
                else:
                    text = _("Item #%(pk)s: your verdict (%(verdict)s) is saved.")
                messages.success(request, text % {"pk": pk, "verdict": verdict_summary(assessment)})
                return _open_next(request, user, query)
    record("item.view", actor=user, obj=item)
    report_items = item.report_items.select_related("report").order_by("report__received_at")
    history = list(queries.assessment_history(item))
    current = next((a for a in history if a.confirmation != Confirmation.REJECTED), None)
    pending = current if current and current.confirmation == Confirmation.PENDING else None
    return render(
        request,
        "cases/item.html",
        {
            "item": item,
            "form": form,
            "waiting": waiting,
            "query": query,
            "report_items": report_items,
            "earlier": [a for a in queries.earlier_verdicts(item) if waiting],
            "history": history,
            "current": current if not waiting else None,
            "can_confirm_pending": pending is not None
            and pending.analyst_id != user.pk
            and user.has_role(Role.SUPERVISOR),
            "pending": pending,
            "held_by_other": item.claimed_by_id not in (None, user.pk),
            "referrals": item.referrals.all(),
            "can_override": user.has_role(Role.SUPERVISOR),
            "media_uploads": settings.MEDIA_UPLOADS,
            "media_clear_view": settings.MEDIA_CLEAR_VIEW,
            "scheme": instance_scheme(),
            "severity_rows": list(
                zip(
                    form["severity"].subwidgets,
                    [scheme_mappings(c) for c in severity_categories()],
                    strict=True,
                )
            ),
            "legality_keys": LEGALITY_KEYS,
            "age_keys": AGE_KEYS,
            "missing": form.missing_messages,
            "illegal": "baseline national",
            **panel_context(item),
        },
    )


@role_required(*CASE_ROLES)
@require_POST
def confirm_earlier(request: HttpRequest, pk: int, assessment_pk: int) -> HttpResponse:
    """Reuse an earlier verdict on the same item instead of looking afresh (never one's own:
    a verdict is confirmed by someone else)."""
    user = _user(request)
    item = _item(request, pk)
    earlier = get_object_or_404(item.assessments.exclude(analyst=user), pk=assessment_pk)
    verdict = Verdict(
        legality=earlier.legality,
        scheme=earlier.scheme,
        severity=earlier.severity,
        age_group=earlier.age_group,
        gender=earlier.gender,
        virtual=earlier.virtual,
        self_generated=earlier.self_generated,
        commercial=earlier.commercial,
        payment_method=earlier.payment_method,
        child_modelling=earlier.child_modelling,
        site_type=earlier.site_type,
        content_type=earlier.content_type,
        notes=_("Confirmed the earlier verdict #%(pk)s.") % {"pk": earlier.pk},
    )
    try:
        actions.assess_item(item, verdict, acting_user=user, based_on=earlier)
    except ItemBusy as exc:
        messages.error(request, str(exc))
        return redirect("cases:item", pk=pk)
    messages.success(request, _("Earlier verdict confirmed."))
    return redirect("cases:queue")


@role_required(*CASE_ROLES)
@require_POST
def confirm_known(request: HttpRequest) -> HttpResponse:
    """Confirm the hash-list pre-classification of the ticked items, each through
    ``assess_item`` (its own assessment and audit event)."""
    user = _user(request)
    query = request.POST.get("queue", "")
    ids = [int(v) for v in request.POST.getlist("item") if v.isdigit()]
    if not ids:
        messages.error(request, _("Tick the known-material items to confirm."))
        return redirect(_queue_url(query))
    items = list(queries.visible_items(user).filter(pk__in=ids).order_by("pk"))
    outcome = actions.confirm_known_matches(items, acting_user=user)
    if outcome.assessed:
        messages.success(
            request,
            _("Confirmed the known-material match of %(n)s items.") % {"n": len(outcome.assessed)},
        )
    for item, reason in outcome.skipped:
        messages.error(
            request,
            _("Item #%(pk)s not confirmed: %(reason)s.") % {"pk": item.pk, "reason": reason},
        )
    return redirect(_queue_url(query))


@role_required(Role.SUPERVISOR)
def confirmations(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pending = list(
        queries.awaiting_confirmation(user).prefetch_related(
            "item__report_items__report", "item__hosting_trace__observations"
        )
    )
    record("confirmations.view", actor=user, detail={"shown": len(pending)})
    return render(request, "cases/confirmations.html", {"pending": pending})


@role_required(Role.SUPERVISOR)
@require_POST
def confirm(request: HttpRequest, assessment_pk: int) -> HttpResponse:
    user = _user(request)
    assessment = queries.awaiting_confirmation(user).filter(pk=assessment_pk).first()
    if assessment is None:
        raise Http404("No such assessment waits for confirmation.")
    form = ConfirmationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose confirm or return."))
        return redirect("cases:confirmations")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        actions.confirm_assessment(
            assessment, acting_user=user, approve=approve, note=form.cleaned_data["note"]
        )
    except (PermissionError, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        text = (
            _("Item #%(pk)s: verdict confirmed.")
            if approve
            else _("Item #%(pk)s: verdict returned to the queue for a fresh assessment.")
        )
        messages.success(request, text % {"pk": assessment.item_id})
    return redirect("cases:confirmations")
