from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotline.accounts.models import Role, User
from hotline.accounts.rules import (
    CASE_ROLES,
    can_see_referrals,
    is_own_hotline_staff,
    role_required,
    rule_required,
)
from hotline.audit.actions import record
from hotline.cases.panels import panel_context
from hotline.cases.queries import visible_items
from hotline.outbox.sent import sent_messages
from hotline.routing import actions, queries
from hotline.routing.engine import PlannedReferral, final_assessment, plan
from hotline.routing.federation.actions import (
    PartnerError,
    PingResult,
    add_partner,
    ping_partner,
    replace_partner_key,
    retire_previous_key,
    set_partner_active,
    set_partner_countries,
)
from hotline.routing.federation.identity import instance_key_id, instance_public_key_text
from hotline.routing.federation.protocol import inbox_url
from hotline.routing.forms import (
    HoldForm,
    OverrideForm,
    PartnerAddForm,
    PartnerCountriesForm,
    PartnerDeactivateForm,
    PartnerKeyForm,
    ProviderForm,
    ReferralUpdateForm,
)
from hotline.routing.legal import LABELS as LEGAL_LABELS
from hotline.routing.legal import facts_for
from hotline.routing.models import (
    Condition,
    Destination,
    Partner,
    PoliceChannel,
    PoliceUnit,
    ReferralStatus,
)
from hotline.routing.packages import item_package
from hotline.routing.panels import referral_panel_context
from hotline.routing.sent import package_facts, package_in


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
    sent = sent_messages(referral)
    package = next((p for m in sent if (p := package_in(m)) is not None), None)
    preview = ""
    if package is None and referral.item_id is not None:
        # Not sent yet (held, queued, a notice), or a destination that sends no message (the
        # blocklist, the own hash list): the item's facts as they stand today.
        package = item_package(referral.online_item, final_assessment(referral.online_item))
        waiting = referral.status in (ReferralStatus.HELD, ReferralStatus.QUEUED)
        preview = "unsent" if waiting else "no_message"
    item_context = panel_context(referral.online_item) if referral.item_id else {}
    return render(
        request,
        "routing/referral.html",
        {
            "referral": referral,
            "sent": sent,
            "package": package,
            "facts": package_facts(package) if package else None,
            "preview": preview,
            "timeline": item_context.get("timeline"),
            "legal_facts": [
                (LEGAL_LABELS.get(f.key, f.key), f) for f in facts_for(referral.country)
            ]
            if referral.country
            else [],
            "can_open_item": referral.item_id is not None
            and visible_items(user).filter(pk=referral.item_id).exists(),
            **referral_panel_context(referral),
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
    planned = plan(item)
    return render(
        request,
        "routing/override.html",
        {
            "item": item,
            "form": form,
            "plan": planned,
            "condition": Condition(planned.condition).label,
            "referrals": referrals,
        },
    )


# --- partner onboarding (administrators) ----------------------------------------------------


def _our_identity() -> dict[str, str]:
    """Our key id and public key, to read out to a partner; empty with the reason if unset."""
    try:
        return {"key_id": instance_key_id(), "public_key": instance_public_key_text()}
    except ImproperlyConfigured as exc:
        return {"error": str(exc)}


@never_cache
@role_required(Role.ADMINISTRATOR)
def partner_list(request: HttpRequest) -> HttpResponse:
    """The partner instances we trust, and our own key to give them."""
    partners = Partner.objects.select_related("organisation")
    return render(
        request,
        "routing/partners.html",
        {"partners": partners, "ours": _our_identity(), "inbox": inbox_url(settings.BASE_URL)},
    )


def _partner_error_field(message: str) -> str | None:
    """The form field a ``PartnerError`` is about (by its wording), None for the whole form."""
    prefixes = {
        "public key:": "public_key",
        "base URL:": "base_url",
        "the public key's id": "key_id",
        "a partner with this public key": "public_key",
    }
    for prefix, field in prefixes.items():
        if message.startswith(prefix):
            return field
    if "ISO 3166-1" in message:
        return "countries"
    return None


@never_cache
@role_required(Role.ADMINISTRATOR)
def partner_add(request: HttpRequest) -> HttpResponse:
    """Trust a partner instance: pin its public key (fingerprint shown), set its countries."""
    form = PartnerAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner = add_partner(
                name=data["name"],
                country=data["country"],
                base_url=data["base_url"],
                public_key=data["public_key"],
                countries=data["countries"],
                expected_key_id=data["key_id"],
                acting_user=_user(request),
            )
        except PartnerError as exc:
            form.add_error(_partner_error_field(str(exc)), str(exc))
        else:
            messages.success(
                request,
                _("Partner added; its key %(key_id)s is pinned.") % {"key_id": partner.key_id},
            )
            return redirect("routing:partner", pk=partner.pk)
    return render(request, "routing/partner_add.html", {"form": form, "ours": _our_identity()})


def _partner_page(
    request: HttpRequest,
    partner: Partner,
    *,
    form: PartnerCountriesForm | None = None,
    key_form: PartnerKeyForm | None = None,
    deactivate_form: PartnerDeactivateForm | None = None,
    ping: PingResult | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "routing/partner.html",
        {
            "partner": partner,
            "form": form
            or PartnerCountriesForm(initial={"countries": ", ".join(partner.countries)}),
            "key_form": key_form or PartnerKeyForm(),
            "deactivate_form": deactivate_form or PartnerDeactivateForm(),
            "previous_key_valid": partner.previous_key_valid(),
            "inbox": inbox_url(partner.base_url),
            "ping": ping,
        },
        status=status,
    )


def _partner(pk: int) -> Partner:
    return get_object_or_404(Partner.objects.select_related("organisation"), pk=pk)


@never_cache
@role_required(Role.ADMINISTRATOR)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One partner: pinned key (and its replacement), countries covered (editable), the
    connection test, deactivation."""
    partner = _partner(pk)
    form = PartnerCountriesForm(
        request.POST or None, initial={"countries": ", ".join(partner.countries)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_partner_countries(
                partner, form.cleaned_data["countries"], acting_user=_user(request)
            )
        except PartnerError as exc:
            form.add_error("countries", str(exc))
        else:
            messages.success(request, _("The countries this partner covers were saved."))
            return redirect("routing:partner", pk=partner.pk)
    return _partner_page(request, partner, form=form)


@never_cache
@require_POST
@role_required(Role.ADMINISTRATOR)
def partner_ping(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a signed ping to the partner's inbox now and show what it answered."""
    partner = _partner(pk)
    return _partner_page(request, partner, ping=ping_partner(partner, acting_user=_user(request)))


@never_cache
@require_POST
@role_required(Role.ADMINISTRATOR)
def partner_replace_key(request: HttpRequest, pk: int) -> HttpResponse:
    """Pin the partner's new key; the old one is accepted for the overlap, then refused."""
    partner = _partner(pk)
    form = PartnerKeyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            partner = replace_partner_key(
                partner,
                public_key=data["public_key"],
                expected_key_id=data["key_id"],
                overlap_hours=data["overlap_hours"],
                acting_user=_user(request),
            )
        except PartnerError as exc:
            form.add_error(_partner_error_field(str(exc)), str(exc))
        else:
            messages.success(request, _("New key %(key_id)s pinned.") % {"key_id": partner.key_id})
            return redirect("routing:partner", pk=partner.pk)
    return _partner_page(request, partner, key_form=form, status=400)


@never_cache
@require_POST
@role_required(Role.ADMINISTRATOR)
def partner_retire_key(request: HttpRequest, pk: int) -> HttpResponse:
    """End the overlap now: the partner's replaced key is refused from now on."""
    partner = _partner(pk)
    try:
        retire_previous_key(partner, acting_user=_user(request))
    except PartnerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The previous key is retired."))
    return redirect("routing:partner", pk=partner.pk)


@never_cache
@require_POST
@role_required(Role.ADMINISTRATOR)
def partner_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate a partner (with a reason) or activate it again."""
    partner = _partner(pk)
    if request.POST.get("action") == "activate":
        try:
            set_partner_active(partner, active=True, acting_user=_user(request))
        except PartnerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The partner is active again."))
        return redirect("routing:partner", pk=partner.pk)
    form = PartnerDeactivateForm(request.POST)
    if form.is_valid():
        try:
            set_partner_active(
                partner,
                active=False,
                reason=form.cleaned_data["reason"],
                acting_user=_user(request),
            )
        except PartnerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The partner is deactivated: its messages are refused."))
            return redirect("routing:partner", pk=partner.pk)
    return _partner_page(request, partner, deactivate_form=form, status=400)
