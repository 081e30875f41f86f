"""``POST /api/v1/match``: look hashes up for machine clients (scope ``match``; audited; rate-limited).

``{"hashes": ["md5:<hex>", "pdq:<hex>", ...], "videos": ["<vPDQ>", ...]}``: up to 100 hashes
and 10 videos, each video's vPDQ in Meta's text form (``frame_number,quality,pdq_hex,
timestamp`` lines) or python-threatexchange's JSON (a string, or the JSON list itself).
Bad input is a 422 naming each field (``hashes[2]``, ``videos[0]``); nothing is looked up.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from hotline.accounts.models import Scope
from hotline.accounts.throttle import hit_rate_limit
from hotline.audit.actions import record
from hotline.core.api import BadJson, api_endpoint, credential_of, json_body, problem
from hotline.matching.errors import InvalidHash
from hotline.matching.queries import find_matches, find_video_matches, parse_query
from hotline.matching.vpdq.features import VpdqFeature, features_from_json, parse

MAX_HASHES = 100
MAX_VIDEOS = 10
MAX_BODY_BYTES = 4 * 1024 * 1024  # ten videos of about an hour each


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
        body = json_body(request, max_bytes=MAX_BODY_BYTES)
    except BadJson as exc:
        return problem(400, "Unreadable body", str(exc))
    hashes = body.get("hashes", []) if isinstance(body, dict) else None
    videos = body.get("videos", []) if isinstance(body, dict) else None
    if (
        not isinstance(hashes, list)
        or not isinstance(videos, list)
        or not (hashes or videos)
        or len(hashes) > MAX_HASHES
        or len(videos) > MAX_VIDEOS
    ):
        return problem(
            422,
            "Invalid request",
            f'Send {{"hashes": [...]}} with 1 to {MAX_HASHES} hashes, e.g. "md5:<32 hex>" or'
            f' "pdq:<64 hex>", and/or {{"videos": [...]}} with up to {MAX_VIDEOS} vPDQ hashes.',
        )
    errors: list[dict[str, str]] = []
    queries_of_videos: list[tuple[VpdqFeature, ...]] = []
    for i, video in enumerate(videos):
        try:
            queries_of_videos.append(
                parse(video) if isinstance(video, str) else features_from_json(video)
            )
        except InvalidHash as exc:
            errors.append({"field": f"videos[{i}]", "message": str(exc)})
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
    video_results = [
        {
            "video": i,
            "frames": len(features),
            "matches": [
                {
                    k: v
                    for k, v in m.as_dict().items()
                    if k
                    in (
                        "list",
                        "trust_level",
                        "algorithm",
                        "query_match_percent",
                        "index_match_percent",
                        "classification",
                    )
                }
                for m in find_video_matches(features)
            ],
        }
        for i, features in enumerate(queries_of_videos)
    ]
    record(
        "matching.api.lookup",
        actor=credential,
        detail={
            "queries": len(results),
            "matched": sum(1 for r in results if r["matches"]),
            "videos": len(video_results),
            "videos_matched": sum(1 for r in video_results if r["matches"]),
        },
    )
    answer: dict[str, Any] = {"results": results}
    if videos:
        answer["videos"] = video_results
    return JsonResponse(answer)
