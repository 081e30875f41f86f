"""Hash-only removal requests: the public page, its JSON submission, the receipt's status page
(with withdrawal), and the staff page (counts and hashes only; held requests released or not).

The page hashes the person's photos and videos in their browser (``static/hotline/removal/``)
and posts only the hashes to :func:`submit`; nothing about the connection is stored (rate
limits use a salted, daily-rotating hash kept in the cache, as the report forms do).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotline.accounts.models import Role
from hotline.accounts.rules import role_required
from hotline.audit.actions import record
from hotline.core.api import BadJson, json_body, problem
from hotline.core.middleware import public_page
from hotline.intake.forms import ReceiptForm
from hotline.intake.views import _rate_limited
from hotline.matching import self_submitted
from hotline.matching.models import SelfSubmission, SelfSubmissionState

STATE_EXPLANATIONS = {
    SelfSubmissionState.DISTRIBUTED: gettext_lazy(
        "Your hashes are shared with the platforms that take part. They can use them to find"
        " copies and stop them being uploaded."
    ),
    SelfSubmissionState.HELD: gettext_lazy(
        "One of your files looks like a picture that many people share (for example a meme)."
        " Our staff will check the hashes before they are shared. They never see your pictures."
    ),
    SelfSubmissionState.REJECTED: gettext_lazy(
        "Our staff checked your hashes and did not share them: they belong to pictures that"
        " many people share. If you think this is a mistake, send the request again or contact us."
    ),
    SelfSubmissionState.WITHDRAWN: gettext_lazy(
        "You withdrew this request. Platforms were told to stop using your hashes."
    ),
}


def _receipt_form(data: object = None) -> ReceiptForm:
    form = ReceiptForm(data)  # type: ignore[arg-type]
    form.fields["reference"].label = _("Request reference")
    form.fields["reference"].help_text = _("For example RR-4KX9-T2QM")
    return form


@public_page
@never_cache
def page(request: HttpRequest) -> HttpResponse:
    """The page where a person selects their photos and videos; it works in the browser only.

    Its policy is the site's strict one plus ``media-src blob:``: the page's own <video>
    element plays the chosen file from a local blob URL to sample its frames."""
    response = render(
        request,
        "intake/removal.html",
        {
            "max_files": settings.SELF_REPORT_MAX_FILES,
            "max_frames": settings.SELF_REPORT_MAX_VIDEO_FRAMES,
            "submit_url": reverse("removal:submit"),
            "status_url": reverse("removal:status"),
            "report_url": reverse("intake:report_online"),
        },
    )
    response.headers["Content-Security-Policy"] = (
        f"{settings.CONTENT_SECURITY_POLICY}; media-src 'self' blob:"
    )
    return response


def _errors(problems: list[self_submitted.FieldProblem]) -> list[dict[str, str]]:
    return [{"field": p.field, "message": p.message} for p in problems]


@public_page
@never_cache
@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    """Store a request's hashes (JSON from the page, CSRF-checked): 201 with the receipt, 422
    naming each bad field with nothing stored, 429 over the rate limit."""
    try:
        data = json_body(request, max_bytes=4_000_000)
    except BadJson as exc:
        return problem(exc.status, "Unreadable request", str(exc))
    try:
        parsed = self_submitted.parse_submission(data)
    except self_submitted.InvalidSubmission as exc:
        return problem(
            422,
            "Invalid request",
            f"{exc.problems[0].field}: {exc.problems[0].message}",
            errors=_errors(exc.problems),
        )
    if _rate_limited(request, "removal", settings.SELF_REPORT_SUBMISSIONS_PER_HOUR):
        return problem(
            429,
            "Too many requests",
            _("Too many requests from your connection in the last hour. Nothing was stored."),
        )
    done = self_submitted.submit_self_submission(parsed)
    body = {
        "reference": done.submission.reference if done.secret else "",
        "secret": done.secret,
        "state": done.submission.state,
        "state_label": str(done.submission.get_state_display()),
        "explanation": str(STATE_EXPLANATIONS[SelfSubmissionState(done.submission.state)]),
        "files": len(parsed.files),
        "status_url": reverse("removal:status"),
    }
    return JsonResponse(body, status=201)


@public_page
@never_cache
def status(request: HttpRequest) -> HttpResponse:
    """Open a request with its receipt: what happened to it, how many items platforms removed
    (never where), and a way to withdraw it."""
    form = _receipt_form(request.POST or None)
    submission: SelfSubmission | None = None
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request, "removal-status", settings.INTAKE_STATUS_CHECKS_PER_HOUR):
            form.add_error(
                None, _("Too many attempts from your connection. Please try again in an hour.")
            )
        else:
            submission = self_submitted.check_self_receipt(
                form.cleaned_data["reference"], form.cleaned_data["secret"]
            )
            if submission is None:
                form.add_error(
                    None,
                    _("No request matches this reference and code. Check both and try again."),
                )
            elif request.POST.get("withdraw") == "yes":
                withdrawn = self_submitted.withdraw_self_submission(submission)
                if withdrawn:
                    messages.success(request, _("Your request is withdrawn."))
            else:
                record("matching.self_submission.status_public", actor=None, obj=submission)
    context: dict[str, object] = {"form": form, "submission": submission}
    if submission is not None:
        context.update(
            {
                "explanation": STATE_EXPLANATIONS[SelfSubmissionState(submission.state)],
                "files": submission.files.count(),
                "removed": self_submitted.removals_reported(submission),
                "can_withdraw": submission.state != SelfSubmissionState.WITHDRAWN,
                "reference": form.cleaned_data["reference"],
                "secret": form.cleaned_data["secret"],
            }
        )
    return render(request, "intake/removal_status.html", context)


# --- staff -----------------------------------------------------------------------------------

STAFF_ROLES = (Role.ANALYST, Role.SUPERVISOR)


@never_cache
@role_required(*STAFF_ROLES)
def staff_list(request: HttpRequest) -> HttpResponse:
    """Counts per state and each request's hashes; there is nothing else to see (no image, no
    person). Held requests first."""
    state = request.GET.get("state", SelfSubmissionState.HELD)
    if state not in SelfSubmissionState.values:
        state = SelfSubmissionState.HELD
    requests = SelfSubmission.objects.filter(state=state).prefetch_related("files")
    pages = Paginator(requests.order_by("submitted_at"), 25).get_page(request.GET.get("page"))
    record(
        "matching.self_submission.staff_list",
        actor=request.user,  # type: ignore[arg-type]
        detail={"state": state},
    )
    return render(
        request,
        "intake/removal_staff.html",
        {
            "counts": [
                (value, label, n)
                for (value, label), n in zip(
                    SelfSubmissionState.choices,
                    self_submitted.state_counts().values(),
                    strict=True,
                )
            ],
            "state": state,
            "page": pages,
            "can_decide": request.user.has_role(Role.SUPERVISOR),  # type: ignore[union-attr]
        },
    )


@require_POST
@role_required(Role.SUPERVISOR)
def staff_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor releases a held request (shared now) or keeps it from the feeds."""
    submission = get_object_or_404(SelfSubmission, pk=pk)
    decision = request.POST.get("decision")
    try:
        if decision == "release":
            self_submitted.release_self_submission(submission, acting_user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("%(ref)s is shared.") % {"ref": submission.reference})
        elif decision == "reject":
            self_submitted.reject_self_submission(submission, acting_user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("%(ref)s is not shared.") % {"ref": submission.reference})
        else:
            return HttpResponse(_("Choose release or reject."), status=400)
    except self_submitted.NotHeld:
        messages.error(request, _("%(ref)s is no longer held.") % {"ref": submission.reference})
    return redirect(f"{reverse('removal_staff:list')}?state={SelfSubmissionState.HELD}")
