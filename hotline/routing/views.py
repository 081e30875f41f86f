from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hotline.accounts.models import Role, User
from hotline.accounts.rules import (
    CASE_ROLES,
    can_see_referrals,
    is_own_hotline_staff,
    role_required,
    rule_required,
)
from hotline.audit.actions import record
from hotline.cases.queries import visible_items
from hotline.routing import actions, queries
from hotline.routing.engine import PlannedReferral, plan
from hotline.routing.forms import HoldForm, OverrideForm, ProviderForm, ReferralUpdateForm
from hotline.routing.models import Destination, Partner, PoliceChannel, PoliceUnit, ReferralStatus


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@rule_required(can_see_referrals)
def referral_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    referrals = queries.visible_referrals(user).order_by("-created_at")[:300]
    record("referrals.view", actor=user, detail={"shown": len(referrals)})
    return render(request, "routing/referrals.html", {"referrals": referrals})


@rule_required(can_see_referrals)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    referral = get_object_or_404(queries.visible_referrals(user), pk=pk)
    update_form = ReferralUpdateForm(request.POST if "update" in request.POST else None, prefix="u")
    hold_form = HoldForm(request.POST if "hold" in request.POST else None, prefix="h")
    provider_form = ProviderForm(request.POST if "provider" in request.POST else None, prefix="p")
    if request.method == "POST":
        try:
            if "update" in request.POST and update_form.is_valid():
                actions.update_referral(referral, acting_user=user, **update_form.cleaned_data)
                messages.success(request, _("Referral updated."))
                return redirect("routing:referral", pk=pk)
            if "clear" in request.POST:
                actions.clear_hold(referral, acting_user=user)
                messages.success(request, _("Hold cleared: the notice goes out now."))
                return redirect("routing:referral", pk=pk)
            if "provider" in request.POST and provider_form.is_valid():
                actions.set_hosting_provider(
                    referral, acting_user=user, **provider_form.cleaned_data
                )
                messages.success(request, _("Hosting provider recorded."))
                return redirect("routing:referral", pk=pk)
            if "hold" in request.POST and hold_form.is_valid():
                actions.extend_hold(referral, acting_user=user, **hold_form.cleaned_data)
                messages.success(request, _("Hold set."))
                return redirect("routing:referral", pk=pk)
        except ValueError as exc:
            messages.error(request, str(exc))
    record("referral.view", actor=user, obj=referral)
    return render(
        request,
        "routing/referral.html",
        {
            "referral": referral,
            "update_form": update_form,
            "hold_form": hold_form,
            "provider_form": provider_form,
            "held": referral.status == ReferralStatus.HELD,
            "needs_provider": referral.destination == Destination.NOTICE
            and referral.hosting_provider_id is None
            and referral.status in (ReferralStatus.HELD, ReferralStatus.QUEUED)
            and is_own_hotline_staff(user),
        },
    )


@role_required(*CASE_ROLES)
def rules(request: HttpRequest) -> HttpResponse:
    """The routing rules as configured, for supervisors and analysts to read."""
    return render(request, "routing/rules.html", {"rules": queries.rules()})


@role_required(Role.SUPERVISOR)
def override(request: HttpRequest, item_pk: int) -> HttpResponse:
    user = _user(request)
    item = get_object_or_404(visible_items(user), pk=item_pk)
    referrals = list(item.referrals.exclude(status=ReferralStatus.CANCELLED))
    choices = [
        (str(r.pk), f"{r.get_destination_display()} ({r.country}, {r.get_status_display()})")
        for r in referrals
    ]
    form = OverrideForm(request.POST or None, referrals=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        add = []
        if data["add"]:
            country = data["country"] or item.hosting_country
            partner = next(
                (p for p in Partner.objects.filter(active=True) if p.covers(country)), None
            )
            unit = PoliceUnit.objects.filter(country=country).first()
            if data["add"] == Destination.INTERPOL:
                unit = PoliceUnit.objects.filter(channel=PoliceChannel.INTERPOL).first()
            add.append(
                PlannedReferral(data["add"], country, None, police_unit=unit, partner=partner)
            )
        try:
            actions.override_routing(
                item,
                add=add,
                cancel=[r for r in referrals if str(r.pk) in data["cancel"]],
                reason=data["reason"],
                acting_user=user,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Routing changed."))
            return redirect("cases:item", pk=item.pk)
    return render(
        request, "routing/override.html", {"item": item, "form": form, "plan": plan(item)}
    )
