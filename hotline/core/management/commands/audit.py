from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.audit import proofs
from hotline.audit.actions import check_chain, integrate_all
from hotline.audit.queries import chain_head

_HEAD_FORMAT = "--expect-head: expected SIZE:ROOT as printed by 'hotline audit head'"


class Command(BaseCommand):
    help = (
        "Inspect the audit log: 'verify' the Merkle tree (the result is kept for the auditors' "
        "page); 'head' prints the newest signed head SIZE:ROOT to anchor elsewhere; 'heads' "
        "exports every signed head as JSON lines; 'prove' writes an inclusion proof (--event) "
        "or a consistency proof (--from/--to) as JSON; 'key' prints the public key that "
        "checks signed heads; 'checkpoint' writes the newest signed head (or --size) as a C2SP "
        "checkpoint for transparency-log witnesses, 'checkpoint-key' the verifier key that "
        "checks it; 'integrate' runs the sequencer once until nothing waits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=[
                "verify",
                "head",
                "heads",
                "prove",
                "key",
                "checkpoint",
                "checkpoint-key",
                "integrate",
            ],
        )
        parser.add_argument(
            "--expect-head",
            default="",
            help="SIZE:ROOT printed earlier by 'hotline audit head'; detects a rewritten past",
        )
        parser.add_argument("--event", type=int, help="prove: the event's sequence number")
        parser.add_argument("--from", dest="first", type=int, help="prove: the older head's size")
        parser.add_argument("--to", dest="second", type=int, help="prove: the newer head's size")
        parser.add_argument(
            "--size", type=int, help="prove --event, checkpoint: the head of this many events"
        )
        parser.add_argument("--since", type=int, default=0, help="heads: only heads larger than")
        parser.add_argument("--out", default="", help="heads/prove/checkpoint: write to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "integrate":
            self.stdout.write(f"placed {integrate_all()} events")
            return
        if action == "key":
            self.stdout.write(proofs.public_key())
            return
        if action == "checkpoint-key":
            self.stdout.write(proofs.checkpoint_verifier_key())
            return
        if action == "checkpoint":
            integrate_all()
            try:
                note = proofs.signed_checkpoint(options["size"])
            except (proofs.ProofError, ValueError) as exc:
                raise CommandError(f"checkpoint: {exc}") from None
            self._emit(note, options["out"])
            return
        if action == "head":
            integrate_all()
            head = chain_head()
            self.stdout.write(f"{head[0]}:{head[1]}" if head else "0:" + "0" * 64)
            return
        if action == "heads":
            integrate_all()
            lines = "".join(
                json.dumps(h, sort_keys=True) + "\n"
                for h in proofs.export_heads(since=options["since"])
            )
            self._emit(lines, options["out"])
            return
        if action == "prove":
            self._emit(
                json.dumps(self._proof(options), indent=2, sort_keys=True) + "\n", options["out"]
            )
            return
        self._verify(options["expect_head"])

    def _proof(self, options: dict[str, Any]) -> Any:
        try:
            if options["event"] is not None:
                return proofs.inclusion_proof(options["event"], tree_size=options["size"])
            if options["first"] is not None:
                return proofs.consistency_proof(options["first"], options["second"])
        except proofs.ProofError as exc:
            raise CommandError(f"prove: {exc}") from None
        raise CommandError("prove: give --event SEQ, or --from SIZE [--to SIZE]")

    def _emit(self, text: str, out: str) -> None:
        if out:
            Path(out).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

    def _verify(self, expect_head: str) -> None:
        expect = None
        if expect_head:
            size, _, digest = expect_head.partition(":")
            if not size.isdigit() or len(digest) != 64:
                raise CommandError(_HEAD_FORMAT)
            expect = (int(size), digest)
        # Kept as the last check, so the auditors' page shows what a scheduled run found.
        check = check_chain(actor=None, expect_head=expect)
        for problem in check.problems:
            self.stderr.write(f"event #{problem['seq']}: {problem['problem']}")
        if check.problem_count > len(check.problems):
            self.stderr.write(f"... and {check.problem_count - len(check.problems)} more")
        if not check.ok:
            raise CommandError(
                f"audit chain BROKEN: {check.problem_count} problem(s) "
                f"in {check.events_checked} events"
            )
        self.stdout.write(
            f"audit chain intact: {check.events_checked} events, "
            f"signed head {check.checked_through_seq}:{check.head_hash}"
        )
