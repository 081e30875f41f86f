"""Signed heads as C2SP checkpoints, checked by Go's own signed-note package.

A witness or partner that keeps checkpoints runs software that knows nothing of Hotline. The
test builds a small verifier (``go_note_verifier/main.go``) on Go's ``golang.org/x/mod/sumdb/
note`` from Debian's packages (``golang-go``, ``golang-golang-x-mod-dev``; offline, GOPATH
mode) and gives it what ``hotline audit checkpoint`` and ``checkpoint-key`` write.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from hotline.audit import checkpoint, proofs, signing
from hotline.audit.actions import integrate_all, record
from hotline.audit.models import TreeHead
from hotline.core.tasks import integrate_audit_log
from tests.conftest import skip_unless_ci

GOPATH = Path("/usr/share/gocode")
VERIFIER_SOURCE = Path(__file__).parent / "go_note_verifier" / "main.go"

# The signed-note known answer of Go's x/mod (sumdb/note/note_test.go, TestSign; BSD-3-Clause,
# Copyright 2019 The Go Authors): this key's seed signs this text into this note.
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_NAME = "PeterNeumann"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n"
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvq"
    "fqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_a_note_is_signed_as_gos_signed_note_package_signs_it() -> None:
    key = Ed25519PrivateKey.from_private_bytes(GO_SEED)

    assert checkpoint.sign_note(GO_TEXT, GO_NAME, key) == GO_NOTE
    assert checkpoint.verifier_key(GO_NAME, key.public_key()) == GO_VERIFIER_KEY


def test_the_checkpoint_origin_is_the_logs_url_without_its_scheme() -> None:
    assert checkpoint.origin_of("https://hotline.example.test/audit/") == (
        "hotline.example.test/audit"
    )
    assert checkpoint.origin_of("hotline.example.test/audit") == "hotline.example.test/audit"
    with pytest.raises(ValueError, match="no spaces and no '\\+'"):
        checkpoint.origin_of("https://hotline.example.test/a+b")
    with pytest.raises(ValueError, match="no spaces"):
        checkpoint.origin_of("https://hotline.example.test/a b")


def test_a_note_text_with_a_blank_line_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ValueError, match="no blank line"):
        checkpoint.sign_note("origin\n\n3\n", "origin", key)
    with pytest.raises(ValueError, match="ends with a newline"):
        checkpoint.sign_note("origin\n3", "origin", key)


def _command(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def _log(n: int) -> None:
    for i in range(n):
        record("test.checkpoint", actor=None, object_id=i)
    integrate_all()


@pytest.fixture(scope="module")
def go_verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb/note").is_dir():
        skip_unless_ci("Debian's golang-go and golang-golang-x-mod-dev are not installed")
    build = tmp_path_factory.mktemp("go")
    binary = build / "go_note_verifier"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(build / "cache"),
        "GOFLAGS": "",
        "GOPROXY": "off",
    }
    subprocess.run(
        ["go", "build", "-o", str(binary), str(VERIFIER_SOURCE)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return binary


def _go_open(binary: Path, verifier_key: str, note: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), verifier_key], input=note, capture_output=True, text=True, timeout=60
    )


def test_gos_signed_note_package_opens_its_own_known_answer(go_verifier: Path) -> None:
    # The harness itself: Go accepts the known answer's signature, then refuses its text,
    # which is not a checkpoint.
    opened = _go_open(go_verifier, GO_VERIFIER_KEY, GO_NOTE)

    assert (opened.returncode, opened.stderr) == (1, "checkpoint: 2 lines, want at least 3\n")


@pytest.mark.django_db
@override_settings(AUDIT_LOG_ORIGIN="https://hotline.example.test/audit")
def test_a_witness_opens_the_checkpoint_of_the_newest_signed_head(
    go_verifier: Path, tmp_path: Path
) -> None:
    _log(5)
    _log(2)
    head = TreeHead.objects.order_by("-tree_size").first()
    assert head is not None
    note_file = tmp_path / "checkpoint"
    _command("checkpoint", "--out", str(note_file))
    verifier_key = _command("checkpoint-key").strip()

    opened = _go_open(go_verifier, verifier_key, note_file.read_text())

    assert (opened.returncode, opened.stderr) == (0, "")
    assert opened.stdout == f"hotline.example.test/audit 7 {head.root_hash}\n"


@pytest.mark.django_db
@override_settings(AUDIT_LOG_ORIGIN="https://hotline.example.test/audit")
def test_an_older_head_can_be_given_as_a_checkpoint(go_verifier: Path) -> None:
    _log(3)
    older = TreeHead.objects.get()
    _log(4)

    note = _command("checkpoint", "--size", "3")
    opened = _go_open(go_verifier, _command("checkpoint-key").strip(), note)

    assert opened.stdout == f"hotline.example.test/audit 3 {older.root_hash}\n"


@pytest.mark.django_db
@override_settings(AUDIT_LOG_ORIGIN="https://hotline.example.test/audit")
def test_a_witness_refuses_an_altered_checkpoint_or_another_key(go_verifier: Path) -> None:
    _log(4)
    note = _command("checkpoint")
    verifier_key = _command("checkpoint-key").strip()
    other_key = checkpoint.verifier_key(
        "hotline.example.test/audit", Ed25519PrivateKey.generate().public_key()
    )

    grown = _go_open(go_verifier, verifier_key, note.replace("\n4\n", "\n5\n", 1))
    stranger = _go_open(go_verifier, other_key, note)

    assert (grown.returncode, grown.stderr) == (
        1,
        "open: invalid signature for key " + "+".join(verifier_key.split("+")[:2]) + "\n",
    )
    assert stranger.returncode == 1
    assert stranger.stderr.startswith("open: ")


@pytest.mark.django_db
def test_no_checkpoint_is_signed_for_a_head_whose_signature_does_not_verify(tamper: None) -> None:
    _log(3)
    TreeHead.objects.update(root_hash="ab" * 32)

    with pytest.raises(CommandError, match="signature does not verify; run 'hotline audit"):
        _command("checkpoint")


@pytest.mark.django_db
def test_checkpoint_names_a_head_that_does_not_exist() -> None:
    _log(2)
    with pytest.raises(CommandError, match="checkpoint: no signed head of 9 events"):
        _command("checkpoint", "--size", "9")


def _published(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_sequencer_keeps_the_published_checkpoint_at_the_newest_head(
    tmp_path: Path, settings: Any
) -> None:
    path = tmp_path / "checkpoint"
    settings.AUDIT_CHECKPOINT_FILE = str(path)
    for i in range(3):
        record("test.checkpoint", actor=None, object_id=i)

    assert integrate_audit_log.call() == 3
    first = _published(path)
    inode = path.stat().st_ino
    assert integrate_audit_log.call() == 0  # nothing new: the file is left as it is
    unchanged = path.stat().st_ino
    record("test.checkpoint", actor=None, object_id=3)
    integrate_audit_log.call()

    assert first.split("\n")[1] == "3"
    assert unchanged == inode
    assert _published(path) == proofs.signed_checkpoint(4)
    assert path.stat().st_ino != inode  # replaced whole, not rewritten in place
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint"]


@pytest.mark.django_db
def test_a_checkpoint_that_cannot_be_written_leaves_the_sequencer_working(
    tmp_path: Path, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "missing-directory" / "checkpoint"
    settings.AUDIT_CHECKPOINT_FILE = str(path)
    record("test.checkpoint", actor=None)

    with caplog.at_level(logging.WARNING, logger="hotline.core.tasks"):
        placed = integrate_audit_log.call()
    path.parent.mkdir()
    integrate_audit_log.call()  # the next run writes it, with nothing new to place

    assert placed == 1
    assert TreeHead.objects.get().tree_size == 1
    [warning] = caplog.records
    assert warning.getMessage().startswith(
        f"audit checkpoint not written to {path}: [Errno 2] No such file or directory"
    )
    assert _published(path) == proofs.signed_checkpoint(1)


@pytest.mark.django_db
def test_after_a_key_rotation_the_published_checkpoint_carries_the_new_keys_signature(
    tmp_path: Path, settings: Any
) -> None:
    path = tmp_path / "checkpoint"
    _log(2)
    proofs.publish_checkpoint(path)
    before = _published(path)
    retired = signing.public_key_hex()
    settings.AUDIT_SIGNING_KEY = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    settings.AUDIT_PREVIOUS_PUBLIC_KEYS = [retired]  # the head it signed still verifies

    written = proofs.publish_checkpoint(path)

    assert written == 2
    assert _published(path) != before
    assert _published(path) == proofs.signed_checkpoint(2)
    assert proofs.publish_checkpoint(path) is None  # and then left alone
