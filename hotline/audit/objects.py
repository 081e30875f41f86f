"""What the audit log can be filtered to: object kinds that apps above register.

The audit log records objects as ``(object_type, object_id)`` strings and knows no app's
models (it sits below all of them). An app that owns an object auditors ask about (a
report, an item, a referral, a user) registers an ``ObjectKind`` that turns what an
auditor types (an id, or a reference such as ``HL-4KX9-T2QM``) into the keys its events
carry — for a report, the report and its items.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class ObjectRef:
    """One object as the audit log stores it."""

    object_type: str
    object_id: str


@dataclass(frozen=True)
class ObjectKind:
    """An extension point: one kind of object the audit view can filter to.

    ``resolve`` gets the auditor's text (stripped) and returns the keys of the object and
    of whatever belongs to it, or None when no such object exists. ``reference`` is the
    full-match pattern of the kind's human reference (if any), used when the auditor typed
    a reference without choosing a kind.
    """

    key: str
    label: str | Promise
    resolve: Callable[[str], tuple[ObjectRef, ...] | None]
    reference: re.Pattern[str] | None = None


KINDS: dict[str, ObjectKind] = {}


def register_object_kind(kind: ObjectKind) -> None:
    """Add a kind; a second kind under the same key is refused (two apps claiming one name)."""
    if kind.key in KINDS and KINDS[kind.key] != kind:
        raise ValueError(f"audit object kind {kind.key!r} is already registered")
    KINDS[kind.key] = kind


def kind_for_reference(text: str) -> ObjectKind | None:
    """The kind whose reference pattern matches ``text`` entirely, if exactly one does."""
    matches = [k for k in KINDS.values() if k.reference and k.reference.fullmatch(text)]
    return matches[0] if len(matches) == 1 else None


def numeric_id(text: str) -> int | None:
    """``text`` as a database id, or None (helper for ``resolve`` functions)."""
    return int(text) if text.isdigit() and len(text) < 19 else None
