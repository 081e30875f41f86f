"""Site-level pages that need the navigation of every app."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from hotline.accounts.models import User
from hotline.accounts.rules import can_see_referrals, rule_required
from hotline.audit.actions import record
from hotline.site.navigation import landing
from hotline.site.search import search as run_search


def staff_home(request: HttpRequest) -> HttpResponse:
    """Where staff land after signing in: the first section their roles open."""
    user = request.user
    if not isinstance(user, User):
        return redirect_to_login(request.get_full_path())
    target = landing(user)
    if target is None:
        return render(request, "core/no_role.html", status=403)
    return redirect(target)


@rule_required(can_see_referrals)  # this hotline's analysts and supervisors, police liaisons
def search(request: HttpRequest) -> HttpResponse:
    """Staff search; each role finds only what its ``visible_*`` helpers show it."""
    user = request.user
    assert isinstance(user, User)
    query = request.GET.get("q", "")[:500]
    results = run_search(user, query) if query.strip() else None
    if results is not None:
        record(
            "search",
            actor=user,
            detail={"kind": str(results.kind), "query": results.query, "found": results.count},
        )
    return render(request, "site/search.html", {"query": query, "results": results})
