from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.accounts.models import Role, User
from hotline.accounts.rules import CASE_ROLES, role_required
from hotline.audit.actions import record
from hotline.cases import actions, queries
from hotline.cases.actions import ItemBusy, Verdict
from hotline.cases.forms import AssessmentForm, ConfirmationForm
from hotline.cases.models import Item
from hotline.cases.panels import panel_context


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _item(request: HttpRequest, pk: int) -> Item:
    return get_object_or_404(queries.visible_items(_user(request)), pk=pk)


@role_required(*CASE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    items = list(queries.triage_queue(user)[:200])
    record("queue.view", actor=user, detail={"shown": len(items)})
    return render(
        request,
        "cases/queue.html",
        {"items": items, "pending_confirmations": queries.awaiting_confirmation(user).count()},
    )


@role_required(*CASE_ROLES)
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    try:
        actions.claim_item(item, acting_user=_user(request))
    except ItemBusy as exc:
        messages.error(request, str(exc))
        return redirect("cases:queue")
    return redirect("cases:item", pk=pk)


@role_required(*CASE_ROLES)
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    actions.release_item(_item(request, pk), acting_user=_user(request))
    return redirect("cases:queue")


@role_required(*CASE_ROLES)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = _item(request, pk)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.assess_item(item, form.verdict(), acting_user=user)
        except ItemBusy as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Assessment saved."))
            return redirect("cases:queue")
    record("item.view", actor=user, obj=item)
    report_items = item.report_items.select_related("report").order_by("report__received_at")
    return render(
        request,
        "cases/item.html",
        {
            "item": item,
            "form": form,
            "report_items": report_items,
            "earlier": queries.earlier_verdicts(item),
            "held_by_other": item.claimed_by_id not in (None, user.pk),
            "referrals": item.referrals.all(),
            "can_override": user.has_role(Role.SUPERVISOR),
            "media_uploads": settings.MEDIA_UPLOADS,
            "media_clear_view": settings.MEDIA_CLEAR_VIEW,
            **panel_context(item),
        },
    )


@role_required(*CASE_ROLES)
@require_POST
def confirm_earlier(request: HttpRequest, pk: int, assessment_pk: int) -> HttpResponse:
    """Reuse an earlier verdict on the same item instead of looking afresh."""
    user = _user(request)
    item = _item(request, pk)
    earlier = get_object_or_404(item.assessments, pk=assessment_pk)
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


@role_required(Role.SUPERVISOR)
def confirmations(request: HttpRequest) -> HttpResponse:
    pending = queries.awaiting_confirmation(_user(request))
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
        messages.error(request, _("Choose confirm or reject."))
        return redirect("cases:confirmations")
    try:
        actions.confirm_assessment(
            assessment,
            acting_user=user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except PermissionError as exc:
        messages.error(request, str(exc))
    return redirect("cases:confirmations")
