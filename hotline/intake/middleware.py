"""Announcing company-API submissions to the intake's group commit as they enter the process."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class SubmissionArrivalMiddleware:
    """First in the chain: a ``POST`` to the intake endpoint is announced to the group commit
    (``hotline.core.group_commit``) while Django reads, authenticates and validates it, so that
    a leader filing its process's waiting submissions waits for this one too. Any other request
    passes untouched; a submission refused on the way (a bad token, an invalid body) ends its
    announcement when it leaves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._path = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        if not self._path:
            self._path = reverse("api_reports")  # the URL configuration is loaded by now
        if request.path_info != self._path:
            return self.get_response(request)
        from hotline.intake.api import arriving  # the API module needs the app registry

        with arriving():
            return self.get_response(request)
