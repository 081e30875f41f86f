from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.audit.actions import check_chain
from hotline.audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Inspect the audit log: 'verify' the hash chain (the result is kept for the auditors' "
        "page), print the 'head' to anchor elsewhere."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "head"])
        parser.add_argument(
            "--expect-head",
            default="",
            help="SEQ:HASH printed earlier by 'hotline audit head'; detects removal of the newest events",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "head":
            last = AuditEvent.objects.order_by("-seq").first()
            self.stdout.write(f"{last.seq}:{last.hash}" if last else "0:" + "0" * 64)
            return
        expect = None
        if options["expect_head"]:
            seq, _, digest = options["expect_head"].partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise CommandError(
                    "--expect-head: expected SEQ:HASH as printed by 'hotline audit head'"
                )
            expect = (int(seq), digest)
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
        self.stdout.write(f"audit chain intact: {check.events_checked} events")
