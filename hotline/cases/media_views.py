"""Staff pages for media: upload (where enabled), the blurred preview, the deliberate clear view."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.accounts.models import User
from hotline.accounts.rules import CASE_ROLES, role_required
from hotline.cases.media import attach_media
from hotline.cases.queries import visible_items
from hotline.matching.errors import MatchingError
from hotline.matching.models import MediaFile
from hotline.matching.uploads import clear_bytes, preview_bytes


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _media(request: HttpRequest, pk: int) -> MediaFile:
    media = get_object_or_404(MediaFile, pk=pk, purged_at__isnull=True)
    if not visible_items(_user(request)).filter(pk=media.item_id).exists():
        raise Http404("No such media.")
    return media


@role_required(*CASE_ROLES)
@require_POST
def upload(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = get_object_or_404(visible_items(_user(request)), pk=item_pk)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            attach_media(item, uploaded, actor=_user(request))
        except MatchingError as exc:
            messages.error(request, _("Nothing was stored: %(reason)s") % {"reason": exc})
        else:
            messages.success(request, _("Stored encrypted; a blurred preview is shown."))
    return redirect("cases:item", pk=item.pk)


@role_required(*CASE_ROLES)
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    media = _media(request, pk)
    if not media.has_preview:
        raise Http404("This file has no preview.")
    response = HttpResponse(
        preview_bytes(media, acting_user=_user(request)), content_type="image/jpeg"
    )
    response["Cache-Control"] = "no-store"
    return response


@role_required(*CASE_ROLES)
@require_POST
def clear(request: HttpRequest, pk: int) -> HttpResponse:
    """One deliberate click shows the file itself; the click is in the audit log."""
    if not settings.MEDIA_CLEAR_VIEW:
        raise Http404("The clear view is switched off on this instance.")
    media = _media(request, pk)
    response = HttpResponse(
        clear_bytes(media, acting_user=_user(request)), content_type=media.media_type
    )
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response
