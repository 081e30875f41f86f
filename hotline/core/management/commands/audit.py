from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.audit.actions import verify_chain
from hotline.audit.models import AuditEvent


class Command(BaseCommand):
    help = "Inspect the audit log: 'verify' the hash chain, print the 'head' to anchor elsewhere."

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
        problems = list(verify_chain(expect_head=expect))
        total = AuditEvent.objects.count()
        for problem in problems:
            self.stderr.write(f"event #{problem.seq}: {problem.problem}")
        if problems:
            raise CommandError(f"audit chain BROKEN: {len(problems)} problem(s) in {total} events")
        self.stdout.write(f"audit chain intact: {total} events")
