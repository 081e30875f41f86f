"""``POST /api/v1/match``: look hashes up for machine clients (scope ``match``; audited; rate-limited)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from hotline.accounts.models import Scope
from hotline.accounts.throttle import hit_rate_limit
from hotline.audit.actions import record
from hotline.core.api import BadJson, api_endpoint, credential_of, json_body, problem
from hotline.matching.errors import InvalidHash
from hotline.matching.queries import find_matches, parse_query

MAX_HASHES = 100


@api_endpoint(Scope.MATCH, methods=("POST",))
def match(request: HttpRequest) -> HttpResponse:
    credential = credential_of(request)
    if hit_rate_limit(
        f"rate:match:{credential.key_id}",
        limit=settings.MATCHING_API_REQUESTS_PER_MINUTE,
        window_seconds=60,
    ):
        response = problem(
            429,
            "Too many requests",
            "Slow down: wait a minute, or send up to 100 hashes per request.",
        )
        response["Retry-After"] = "60"
        return response
    try:
        body = json_body(request, max_bytes=100_000)
    except BadJson as exc:
        return problem(400, "Unreadable body", str(exc))
    hashes = body.get("hashes") if isinstance(body, dict) else None
    if not isinstance(hashes, list) or not hashes or len(hashes) > MAX_HASHES:
        return problem(
            422,
            "Invalid request",
            f'Send {{"hashes": [...]}} with 1 to {MAX_HASHES} hashes, e.g. "md5:<32 hex>" or "pdq:<64 hex>".',
        )
    errors: list[dict[str, str]] = []
    results: list[dict[str, Any]] = []
    for i, text in enumerate(hashes):
        if not isinstance(text, str):
            errors.append({"field": f"hashes[{i}]", "message": "must be a string"})
            continue
        try:
            queries = parse_query(text)
        except (InvalidHash, ValueError, KeyError) as exc:
            errors.append({"field": f"hashes[{i}]", "message": str(exc).strip("'\"")})
            continue
        matches = [m for algorithm, value in queries for m in find_matches(algorithm, value)]
        results.append(
            {
                "query": text,
                "matches": [
                    {
                        k: v
                        for k, v in m.as_dict().items()
                        if k in ("list", "trust_level", "algorithm", "distance", "classification")
                    }
                    for m in matches
                ],
            }
        )
    if errors:
        return problem(
            422,
            "Invalid hashes",
            "Nothing was looked up. Correct the hashes listed.",
            errors=errors,
        )
    record(
        "matching.api.lookup",
        actor=credential,
        detail={"queries": len(results), "matched": sum(1 for r in results if r["matches"])},
    )
    return JsonResponse({"results": results})
