"""Analysts' pages (blocklist, lifting, dedicated domains, payment and phone indicators) and
the public stop page that blocked visitors see."""

from __future__ import annotations

import pycountry
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hotline.accounts.models import User
from hotline.accounts.rules import CASE_ROLES, role_required
from hotline.audit.actions import record
from hotline.cases.queries import visible_items
from hotline.core.middleware import public_page
from hotline.feeds import actions, queries
from hotline.feeds.forms import DedicatedDomainForm, IndicatorForm, LiftForm, ListFilterForm
from hotline.feeds.models import Entry, EntryKind, FeedList
from hotline.feeds.values import InvalidValue

SHOWN = 300


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
@role_required(*CASE_ROLES)
def blocklist(request: HttpRequest) -> HttpResponse:
    """Live entries of a list (newest first), every list's serial, and the latest removals."""
    user = _user(request)
    form = ListFilterForm(request.GET or None)
    feed_list = FeedList.BLOCKLIST.value
    search = ""
    if form.is_valid():
        feed_list = form.cleaned_data["feed_list"] or feed_list
        search = form.cleaned_data["q"].strip()
    live = Entry.objects.filter(feed_list=feed_list, removed_serial__isnull=True)
    if search:
        live = live.filter(value__icontains=search)
    entries = list(live.select_related("item").order_by("-added_serial")[:SHOWN])
    removed = list(
        Entry.objects.filter(feed_list=feed_list, removed_serial__isnull=False).order_by(
            "-removed_serial"
        )[:50]
    )
    record(
        "feeds.blocklist.view",
        actor=user,
        detail={"list": feed_list, "search": search, "shown": len(entries)},
    )
    return render(
        request,
        "feeds/blocklist.html",
        {
            "form": form,
            "feed_list": FeedList(feed_list),
            "serials": [(fl, queries.current_serial(fl)) for fl in FeedList],
            "serial": queries.current_serial(feed_list),
            "live_count": live.count(),
            "entries": entries,
            "removed": removed,
            "shown": SHOWN,
        },
    )


@never_cache
@role_required(*CASE_ROLES)
def lift(request: HttpRequest, pk: int) -> HttpResponse:
    """Take one entry off its list, with a reason."""
    user = _user(request)
    entry = get_object_or_404(Entry, pk=pk)
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lifted = actions.lift_entry(entry, reason=form.cleaned_data["reason"], acting_user=user)
        except actions.NotAllowed as exc:
            form.add_error(None, str(exc))
        else:
            if lifted:
                messages.success(request, _("The entry left the list."))
            else:
                messages.error(request, _("This entry had already left the list."))
            return redirect(f"{reverse('feeds:blocklist')}?feed_list={entry.feed_list}")
    return render(request, "feeds/lift.html", {"entry": entry, "form": form})


@never_cache
@role_required(*CASE_ROLES)
def domains(request: HttpRequest) -> HttpResponse:
    """Dedicated domains (blocked whole, in the DNS zone too), and the form to mark one."""
    user = _user(request)
    form = DedicatedDomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = actions.mark_domain_dedicated(
                form.cleaned_data["domain"], reason=form.cleaned_data["reason"], acting_user=user
            )
        except InvalidValue as exc:
            form.add_error("domain", str(exc))
        except actions.NotAllowed as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(domain)s is blocked as a dedicated domain.") % {"domain": entry.value}
            )
            return redirect("feeds:domains")
    live = list(
        Entry.objects.filter(kind=EntryKind.DOMAIN, removed_serial__isnull=True).order_by("value")
    )
    record("feeds.domains.view", actor=user, detail={"shown": len(live)})
    return render(request, "feeds/domains.html", {"form": form, "domains": live})


@never_cache
@role_required(*CASE_ROLES)
def indicators(request: HttpRequest, item_pk: int) -> HttpResponse:
    """Payment identifiers and phone numbers recorded for an item."""
    user = _user(request)
    item = get_object_or_404(visible_items(user), pk=item_pk)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_indicator(
                item,
                kind=data["kind"],
                value=data["value"],
                network=data["network"],
                note=data["note"],
                acting_user=user,
            )
        except InvalidValue as exc:
            form.add_error("value", str(exc))
        except actions.NotAllowed as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Indicator recorded; it is in its feed now."))
            return redirect("feeds:indicators", item_pk=item.pk)
    recorded = list(
        item.feed_entries.filter(kind__in=actions.INDICATOR_KINDS).order_by("-added_at")
    )
    record("feeds.indicators.view", actor=user, obj=item, detail={"shown": len(recorded)})
    return render(
        request,
        "feeds/indicators.html",
        {"item": item, "form": form, "recorded": recorded},
    )


@public_page
def stop_page(request: HttpRequest) -> HttpResponse:
    """What a visitor sees instead of a blocked page: why, under which law, where to complain.

    It never shows which address was blocked (the visitor knows; nobody else should learn it).
    """
    country = pycountry.countries.get(alpha_2=settings.INSTANCE_COUNTRY)
    return render(
        request,
        "feeds/stop_page.html",
        {
            "country": country.name if country else settings.INSTANCE_COUNTRY,
            "complaints_email": (settings.FEEDS_COMPLAINTS_EMAIL or settings.DEFAULT_FROM_EMAIL),
            "complaints_url": settings.FEEDS_COMPLAINTS_URL,
        },
    )
