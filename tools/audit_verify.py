#!/usr/bin/env python3
"""Check Hotline audit-log proofs without Hotline: Python's standard library + ``cryptography``.

A partner (or an auditor on another machine) keeps the signed tree heads it has seen and the
log's public key (``hotline audit key``), then checks what the hotline hands over:

    audit_verify.py --public-key HEX head HEADS.jsonl      # every signed head in the file
    audit_verify.py --public-key HEX inclusion PROOF.json  # an event is in a signed tree
    audit_verify.py --public-key HEX consistency PROOF.json [--pinned SIZE:ROOT]
    audit_verify.py --public-key HEX checkpoint CHECKPOINT  # a C2SP checkpoint (signed note)

Exit status 0 when everything verifies, 1 when something does not (the reason on stderr),
2 for unusable input. Hashing is RFC 9162 §2.1: leaf SHA-256(0x00||entry), node
SHA-256(0x01||left||right); the signed statement is
``hotline-audit-tree-head/v1\\n{origin}\\n{tree_size}\\n{root_hash}\\n{timestamp_ms}\\n``.
This file is deliberately self-contained: copy it anywhere.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class Failed(Exception):
    """The input is well-formed but does not verify."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first <= 0 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    nodes = list(path)
    if first & (first - 1) == 0:
        nodes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def check_head(head: dict[str, Any], key: Ed25519PublicKey) -> None:
    statement = (
        "hotline-audit-tree-head/v1\n"
        f"{head['origin']}\n{int(head['tree_size'])}\n{head['root_hash']}\n"
        f"{int(head['timestamp_ms'])}\n"
    ).encode()
    try:
        key.verify(bytes.fromhex(head["signature"]), statement)
    except (InvalidSignature, ValueError):
        raise Failed(
            f"signed head of {head['tree_size']} events: signature does not verify"
        ) from None


def check_inclusion(proof: dict[str, Any], key: Ed25519PublicKey) -> str:
    head = proof["head"]
    check_head(head, key)
    leaf = leaf_hash(proof["entry"].encode())
    if leaf.hex() != proof["leaf_hash"]:
        raise Failed("the entry does not match its leaf hash: the event was altered")
    if not verify_inclusion(
        leaf,
        int(proof["leaf_index"]),
        int(head["tree_size"]),
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    ):
        raise Failed("the audit path does not lead to the signed root: not included")
    return f"event #{proof['seq']} is included in the signed tree of {head['tree_size']} events"


def check_consistency(proof: dict[str, Any], key: Ed25519PublicKey, pinned: str) -> str:
    first, second = proof["first"], proof["second"]
    check_head(first, key)
    check_head(second, key)
    if pinned:
        size, _, root = pinned.partition(":")
        if (int(size), root) != (int(first["tree_size"]), first["root_hash"]):
            raise Failed(
                f"the proof starts from head {first['tree_size']}:{first['root_hash']}, "
                f"not the pinned {pinned}: the past was rewritten"
            )
    if not verify_consistency(
        int(first["tree_size"]),
        int(second["tree_size"]),
        bytes.fromhex(first["root_hash"]),
        bytes.fromhex(second["root_hash"]),
        [bytes.fromhex(h) for h in proof["consistency_path"]],
    ):
        raise Failed(
            f"the tree of {second['tree_size']} events does not extend the tree of "
            f"{first['tree_size']}: the past was rewritten"
        )
    return f"the tree of {second['tree_size']} events extends the tree of {first['tree_size']}"


def check_checkpoint(note: str, key: Ed25519PublicKey) -> str:
    """A checkpoint (c2sp.org/tlog-checkpoint): its origin names the key; one signature line
    must be this key's, over the text before the blank line."""
    body, blank, signatures = note.partition("\n\n")
    lines = body.split("\n")
    if not blank or len(lines) < 3 or not lines[1].isdigit() or not signatures.endswith("\n"):
        raise ValueError("not a checkpoint: origin, size and root, a blank line, signatures")
    origin, size = lines[0], int(lines[1])
    root = base64.b64decode(lines[2], validate=True)
    raw_key = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(origin.encode() + b"\n\x01" + raw_key).digest()[:4]
    for line in signatures.splitlines():
        dash, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        try:
            signature = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if dash != "\u2014" or name != origin or signature[:4] != key_id:
            continue
        try:
            key.verify(signature[4:], (body + "\n").encode())
        except InvalidSignature:
            raise Failed(f"checkpoint of {size} events: the signature does not verify") from None
        return f"checkpoint of {origin} at {size} events, root {root.hex()}"
    raise Failed(f"checkpoint of {size} events: no signature by this key for {origin}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public-key", required=True, help="the log's Ed25519 public key, hex")
    parser.add_argument("kind", choices=["head", "inclusion", "consistency", "checkpoint"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--pinned", default="", help="consistency: SIZE:ROOT kept from before")
    args = parser.parse_args(argv)
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(args.public_key))
        text = args.file.read_text(encoding="utf-8")
        if args.kind == "head":
            heads = [json.loads(line) for line in text.splitlines() if line.strip()]
            for head in heads:
                check_head(head, key)
            message = f"{len(heads)} signed heads verify"
        elif args.kind == "inclusion":
            message = check_inclusion(json.loads(text), key)
        elif args.kind == "checkpoint":
            message = check_checkpoint(text, key)
        else:
            message = check_consistency(json.loads(text), key, args.pinned)
    except Failed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"unusable input: {exc!r}", file=sys.stderr)
        return 2
    print(f"OK: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
