"""The standalone verifier checks what ``hotline audit prove`` and ``heads`` write, in a
process where Django and Hotline cannot be imported."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from hotline.audit.actions import integrate_all, record
from hotline.audit.models import AuditEvent, TreeHead
from tests.processes import ROOT

VERIFIER = ROOT / "tools" / "audit_verify.py"
# Refuse django and hotline before the verifier runs: it must depend on neither.
RUNNER = (
    "import runpy, sys; sys.modules['django'] = None; sys.modules['hotline'] = None; "
    "sys.argv = ['audit_verify.py', *sys.argv[1:]]; "
    f"runpy.run_path({str(VERIFIER)!r}, run_name='__main__')"
)


def _verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-c", RUNNER, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _command(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def key() -> str:
    return _command("key").strip()


def _log(n: int) -> None:
    for i in range(n):
        record("test.verifier", actor=None, object_id=i)
    integrate_all()


@pytest.mark.django_db
def test_inclusion_proof_verifies_and_an_edited_entry_does_not(tmp_path: Path, key: str) -> None:
    _log(5)
    proof_file = tmp_path / "proof.json"
    _command("prove", "--event", "3", "--out", str(proof_file))

    ok = _verify("--public-key", key, "inclusion", str(proof_file))
    proof = json.loads(proof_file.read_text())
    proof["entry"] = proof["entry"].replace('"object_id":"2"', '"object_id":"9"')
    proof_file.write_text(json.dumps(proof))
    edited = _verify("--public-key", key, "inclusion", str(proof_file))

    assert (ok.returncode, ok.stdout) == (
        0,
        "OK: event #3 is included in the signed tree of 5 events\n",
    )
    assert edited.returncode == 1
    assert (
        edited.stderr == "FAILED: the entry does not match its leaf hash: the event was altered\n"
    )


@pytest.mark.django_db
def test_consistency_proof_verifies_against_a_pinned_head(tmp_path: Path, key: str) -> None:
    _log(3)
    pinned = _command("head").strip()
    _log(4)
    proof_file = tmp_path / "consistency.json"
    _command("prove", "--from", "3", "--out", str(proof_file))

    ok = _verify("--public-key", key, "consistency", str(proof_file), "--pinned", pinned)
    other = _verify(
        "--public-key", key, "consistency", str(proof_file), "--pinned", "3:" + "ab" * 32
    )

    assert (ok.returncode, ok.stdout) == (0, "OK: the tree of 7 events extends the tree of 3\n")
    assert other.returncode == 1
    assert "the past was rewritten" in other.stderr


@pytest.mark.django_db
def test_exported_heads_verify_and_a_wrong_key_is_refused(tmp_path: Path, key: str) -> None:
    _log(2)
    _log(2)
    heads = tmp_path / "heads.jsonl"
    _command("heads", "--out", str(heads))

    ok = _verify("--public-key", key, "head", str(heads))
    wrong = _verify("--public-key", "00" * 32, "head", str(heads))
    unusable = _verify("--public-key", key, "head", str(tmp_path / "missing.jsonl"))

    assert (ok.returncode, ok.stdout) == (0, "OK: 2 signed heads verify\n")
    assert wrong.returncode == 1
    assert unusable.returncode == 2


@pytest.mark.django_db
def test_prove_names_what_is_missing() -> None:
    from django.core.management.base import CommandError

    record("test.pending", actor=None)
    assert AuditEvent.objects.get().seq is None
    with pytest.raises(CommandError, match="no event #1 in the tree"):
        _command("prove", "--event", "1")
    with pytest.raises(CommandError, match="give --event SEQ"):
        _command("prove")


@pytest.mark.django_db
def test_a_checkpoint_verifies_and_an_altered_one_or_another_key_does_not(
    tmp_path: Path, key: str
) -> None:
    _log(6)
    note_file = tmp_path / "checkpoint"
    _command("checkpoint", "--out", str(note_file))
    note = note_file.read_text()
    head = AuditEvent.objects.filter(seq__isnull=False).count()

    ok = _verify("--public-key", key, "checkpoint", str(note_file))
    note_file.write_text(note.replace(f"\n{head}\n", f"\n{head + 1}\n", 1))
    grown = _verify("--public-key", key, "checkpoint", str(note_file))
    note_file.write_text(note)
    stranger = _verify("--public-key", "ab" * 32, "checkpoint", str(note_file))
    note_file.write_text(note.partition("\n\n")[0])
    unsigned = _verify("--public-key", key, "checkpoint", str(note_file))

    root = TreeHead.objects.get(tree_size=head).root_hash
    origin = note.split("\n", 1)[0]
    assert (ok.returncode, ok.stdout) == (
        0,
        f"OK: checkpoint of {origin} at {head} events, root {root}\n",
    )
    assert (grown.returncode, grown.stderr) == (
        1,
        f"FAILED: checkpoint of {head + 1} events: the signature does not verify\n",
    )
    assert (stranger.returncode, stranger.stderr) == (
        1,
        f"FAILED: checkpoint of {head} events: no signature by this key for {origin}\n",
    )
    assert unsigned.returncode == 2
