"""Inclusion and consistency proofs over the audit tree, as JSON documents that
``tools/audit_verify.py`` checks without this code base (stdlib + ``cryptography``).

A proof is computed from the stored leaf hashes of the first ``tree_size`` events; it carries
the signed head it is relative to and, for inclusion, the event's canonical entry, so a
verifier recomputes the leaf from the content it was shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from django.conf import settings

from hotline.audit import checkpoint, merkle, signing
from hotline.audit.actions import event_entry, head_problem, trusted_keys
from hotline.audit.models import AuditEvent, TreeHead
from hotline.files import replaced


class SignedHead(TypedDict):
    origin: str
    tree_size: int
    root_hash: str
    timestamp_ms: int
    key_id: str
    signature: str


class InclusionProof(TypedDict):
    kind: str  # "inclusion"
    seq: int
    leaf_index: int
    entry: str  # the canonical JSON the leaf hash covers
    leaf_hash: str
    audit_path: list[str]
    head: SignedHead


class ConsistencyProof(TypedDict):
    kind: str  # "consistency"
    first: SignedHead
    second: SignedHead
    consistency_path: list[str]


class ProofError(ValueError):
    """The proof asked for cannot exist (no such event or head); the message says why."""


def signed_head(head: TreeHead) -> SignedHead:
    return {
        "origin": head.origin,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp_ms": head.timestamp_ms,
        "key_id": head.key_id,
        "signature": head.signature,
    }


def _head(size: int | None) -> TreeHead:
    heads = TreeHead.objects.all()
    head = (
        heads.filter(tree_size=size) if size is not None else heads.order_by("-tree_size")
    ).first()
    if head is None:
        raise ProofError(
            f"no signed head of {size} events" if size is not None else "no signed head yet"
        )
    return head


def _leaves(size: int) -> list[bytes]:
    rows = (
        AuditEvent.objects.filter(seq__isnull=False, seq__lte=size)
        .order_by("seq")
        .values_list("hash", flat=True)
    )
    return [bytes.fromhex(h) for h in rows.iterator(chunk_size=10000)]


def inclusion_proof(seq: int, *, tree_size: int | None = None) -> InclusionProof:
    """That event ``seq`` is in the tree of the signed head of ``tree_size`` (newest by default)."""
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise ProofError(f"no event #{seq} in the tree (not written, or not yet placed)")
    head = _head(tree_size)
    if seq > head.tree_size:
        raise ProofError(f"event #{seq} came after the signed head of {head.tree_size} events")
    leaves = _leaves(head.tree_size)
    return {
        "kind": "inclusion",
        "seq": seq,
        "leaf_index": seq - 1,
        "entry": event_entry(event).decode(),
        "leaf_hash": event.hash,
        "audit_path": [h.hex() for h in merkle.inclusion_path(seq - 1, leaves)],
        "head": signed_head(head),
    }


def consistency_proof(first_size: int, second_size: int | None = None) -> ConsistencyProof:
    """That the signed head of ``second_size`` (newest by default) extends the one of
    ``first_size``: the past was only appended to."""
    first = _head(first_size)
    second = _head(second_size)
    if first.tree_size > second.tree_size:
        raise ProofError("the first head must not be larger than the second")
    leaves = _leaves(second.tree_size)
    return {
        "kind": "consistency",
        "first": signed_head(first),
        "second": signed_head(second),
        "consistency_path": [h.hex() for h in merkle.consistency_path(first.tree_size, leaves)],
    }


def export_heads(*, since: int = 0) -> list[SignedHead]:
    """Every signed head larger than ``since``, oldest first (for anchoring elsewhere)."""
    heads = TreeHead.objects.filter(tree_size__gt=since).order_by("tree_size")
    return [signed_head(h) for h in heads.iterator(chunk_size=2000)]


def public_key() -> str:
    return signing.public_key_hex()


def signed_checkpoint(tree_size: int | None = None) -> str:
    """The signed head of ``tree_size`` events (newest by default) as a C2SP checkpoint signed
    with the log's key, for witnesses and partners that keep checkpoints (``checkpoint``).

    Only a head whose stored signature verifies is signed again: the checkpoint then states
    nothing the sequencer did not already sign."""
    return checkpoint_of(_head(tree_size))


def checkpoint_of(head: TreeHead) -> str:
    """``head`` as a signed checkpoint, once its stored signature verifies (``ProofError``
    otherwise; ``ValueError`` for an origin no checkpoint can carry)."""
    problem = head_problem(head, trusted_keys())
    if problem is not None:
        raise ProofError(f"{problem}; run 'hotline audit verify'")
    return checkpoint.checkpoint(
        log_origin=head.origin,
        tree_size=head.tree_size,
        root_hash_hex=head.root_hash,
        key=signing.signing_key(),
    )


def checkpoint_verifier_key() -> str:
    """The verifier key that checks this log's checkpoints (``name+id+key``, signed-note)."""
    name = checkpoint.origin_of(settings.AUDIT_LOG_ORIGIN)
    return checkpoint.verifier_key(name, signing.signing_key().public_key())


def publish_checkpoint(path: Path) -> int | None:
    """Write the newest signed head's checkpoint to ``path`` unless it holds it already; the
    tree size written, or None. The file is replaced whole (a reader sees the old checkpoint or
    the new one, never half of one), readable by all (it is published). ``OSError`` when it
    cannot be written: the caller reports it, and the next run tries again."""
    head = TreeHead.objects.order_by("-tree_size").first()
    if head is None:
        return None
    note = checkpoint_of(head)
    try:
        # Ed25519 signatures are deterministic: the same head and key give the same note, and
        # a new key (after a rotation) a new file.
        if path.read_text(encoding="utf-8") == note:
            return None
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    with replaced(path, mode=0o644) as out:
        out.write(note)
    return head.tree_size
