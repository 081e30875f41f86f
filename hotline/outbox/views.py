"""The outbox page: supervisors and administrators see every outgoing message's delivery
state, filter the list, and retry, park or unpark a message (each through an audited action)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.accounts.rules import OUTBOX_ROLES, role_required
from hotline.audit.actions import record
from hotline.outbox import actions, queries
from hotline.outbox.channels.base import CHANNELS
from hotline.outbox.models import DeliveryState, OutboxMessage

PAGE_SIZE = 200


class OutboxFilter(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("any")), *DeliveryState.choices],
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False, choices=[])
    destination = forms.CharField(label=gettext_lazy("Destination"), required=False, max_length=200)
    older_than_hours = forms.IntegerField(
        label=gettext_lazy("Queued at least (hours) ago"), required=False, min_value=0
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = [("", _("any"))] + [(name, name) for name, _c in CHANNELS.items()]


class ParkForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why park it?"), max_length=500)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@role_required(*OUTBOX_ROLES)
def outbox(request: HttpRequest) -> HttpResponse:
    form = OutboxFilter(request.GET or None)
    listed: list[OutboxMessage] = []
    if not request.GET or form.is_valid():
        filters = form.cleaned_data if request.GET else {}
        listed = list(
            queries.outbox_messages(
                state=filters.get("state", ""),
                channel=filters.get("channel", ""),
                destination=filters.get("destination", ""),
                older_than_hours=filters.get("older_than_hours"),
            )[:PAGE_SIZE]
        )
    record("outbox.view", actor=_user(request), detail={"shown": len(listed)})
    return render(
        request,
        "outbox/outbox.html",
        {"form": form, "listed": listed, "park_form": ParkForm(prefix="park")},
    )


@role_required(*OUTBOX_ROLES)
def act(request: HttpRequest, pk: str, action: str) -> HttpResponse:
    """POST retry / park / unpark one message, then back to the list."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    message = get_object_or_404(OutboxMessage, pk=pk)
    user = _user(request)
    try:
        if action == "retry":
            actions.retry_now(message, acting_user=user)
            messages.success(request, _("The message is due now."))
        elif action == "unpark":
            actions.unpark(message, acting_user=user)
            messages.success(request, _("The message is back in the queue."))
        elif action == "park":
            park_form = ParkForm(request.POST, prefix="park")
            if not park_form.is_valid():
                messages.error(request, _("Reason: say why the message is parked."))
                return redirect("outbox:outbox")
            actions.park(message, reason=park_form.cleaned_data["reason"], acting_user=user)
            messages.success(request, _("The message is parked."))
        else:
            return HttpResponse(status=404)
    except actions.NotAllowed as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    return redirect("outbox:outbox")
