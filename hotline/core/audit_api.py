"""``GET /api/v1/audit/head``: the audit log's newest signed tree head, for partners to anchor.

Any valid credential may fetch it (a head is a size, a root hash, a time and a signature: no
case data), so every partner, feed consumer and reporting company can act as a witness. A
client that pinned an earlier head asks ``?from=SIZE`` and gets a consistency proof from it
to the newest head, in the form ``tools/audit_verify.py consistency`` checks; a past rewritten
since it pinned its head cannot produce one. Each fetch is audited.

``GET /api/v1/audit/checkpoint`` answers the same newest head as a C2SP checkpoint (a signed
note, ``text/plain``), the form transparency-log witnesses keep and cosign; its verifier key
is ``hotline audit checkpoint-key``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from hotline.audit import proofs
from hotline.audit.actions import integrate_all, record
from hotline.audit.queries import latest_head
from hotline.core.api import api_endpoint, credential_of, problem


@api_endpoint(None)
def audit_head(request: HttpRequest) -> HttpResponse:
    credential = credential_of(request)
    raw = request.GET.get("from", "").strip()
    if raw and not (raw.isdigit() and len(raw) < 19 and int(raw) > 0):
        return problem(
            422,
            "Invalid query",
            "from: expected the size of a signed head you kept, a positive whole number.",
            errors=[{"field": "from", "message": "a positive whole number"}],
        )
    # Fresh for the witness: what was committed before the request is placed and signed (a
    # no-op when the scheduler's sequencer is at work, which then signs it within seconds).
    integrate_all()
    head = latest_head()
    if head is None:
        return problem(404, "No signed head yet", "The audit log has no signed tree head yet.")
    public_key = proofs.public_key()
    if not raw:
        record("audit.head_pull", actor=credential, detail={"tree_size": head.tree_size})
        return JsonResponse(
            {"kind": "head", "head": proofs.signed_head(head), "public_key": public_key}
        )
    try:
        proof = proofs.consistency_proof(int(raw), head.tree_size)
    except proofs.ProofError as exc:
        return problem(
            404,
            "No such signed head",
            f"from: {exc}. A head you were given and this log no longer has is evidence of a "
            "rewritten log: keep it and tell this hotline's auditors.",
        )
    record(
        "audit.head_pull",
        actor=credential,
        detail={"tree_size": head.tree_size, "from": int(raw)},
    )
    return JsonResponse({**proof, "public_key": public_key})


@api_endpoint(None)
def audit_checkpoint(request: HttpRequest) -> HttpResponse:
    """The newest signed head as a C2SP checkpoint (``text/plain``), for witnesses."""
    credential = credential_of(request)
    integrate_all()  # fresh, as for the head above
    head = latest_head()
    if head is None:
        return problem(404, "No signed head yet", "The audit log has no signed tree head yet.")
    try:
        note = proofs.checkpoint_of(head)
    except (proofs.ProofError, ValueError) as exc:
        # A head that does not verify, or an origin no checkpoint can carry: the operator's
        # to fix ("hotline audit verify"), never a checkpoint of something unverified.
        return problem(503, "No checkpoint", str(exc))
    record("audit.checkpoint_pull", actor=credential, detail={"tree_size": head.tree_size})
    return HttpResponse(note, content_type="text/plain; charset=utf-8")
