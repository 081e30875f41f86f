from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hotline.accounts.rules import CASE_ROLES, role_required


@role_required(*CASE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/queue.html", {"items": []})
