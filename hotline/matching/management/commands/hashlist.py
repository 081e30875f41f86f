from __future__ import annotations

import codecs
import io
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from hotline.matching import actions
from hotline.matching.formats import registered as registered_formats
from hotline.matching.models import HashList, HashListSource, TrustLevel
from hotline.matching.progress import CountingReader, Progress


class _TextSink(io.RawIOBase):
    """Bytes in, text out: lets binary exporters write to the command's (text) stdout."""

    def __init__(self, out: OutputWrapper) -> None:
        self._out = out
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._out.write(self._decoder.decode(bytes(data)), ending="")
        return len(data)


def _list(name: str) -> HashList:
    try:
        return HashList.objects.get(name=name)
    except HashList.DoesNotExist:
        raise CommandError(
            f"no hash list named {name!r}; create it with 'hotline hashlist create {name}'"
        ) from None


class Command(BaseCommand):
    help = "Hash lists: create, list, import (csv, vics, pdq) and export."

    def add_arguments(self, parser: CommandParser) -> None:
        formats = sorted(registered_formats())
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a hash list")
        create.add_argument("name")
        create.add_argument(
            "--source", choices=HashListSource.values, default=HashListSource.IMPORTED
        )
        create.add_argument(
            "--trust", choices=["low", "medium", "high"], default="medium", help="trust level"
        )
        sub.add_parser("list", help="print the hash lists with their entry counts")
        imp = sub.add_parser("import", help="import a file into a list")
        imp.add_argument("--list", dest="list_name", required=True, metavar="NAME")
        imp.add_argument("--format", required=True, choices=formats)
        imp.add_argument("--strict", action="store_true", help="store nothing if any record is bad")
        imp.add_argument("file", metavar="FILE")
        exp = sub.add_parser("export", help="write a list to stdout (or --output)")
        exp.add_argument("--list", dest="list_name", required=True, metavar="NAME")
        exp.add_argument("--format", required=True, choices=formats)
        exp.add_argument("--output", default="-", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        if HashList.objects.filter(name=options["name"]).exists():
            raise CommandError(f"a hash list named {options['name']!r} already exists")
        trust = {"low": TrustLevel.LOW, "medium": TrustLevel.MEDIUM, "high": TrustLevel.HIGH}
        hash_list = actions.create_hash_list(
            name=options["name"],
            source=options["source"],
            trust_level=trust[options["trust"]],
            acting_user=None,
        )
        self.stdout.write(f"created hash list {hash_list.name!r}")

    def _list(self, options: dict[str, Any]) -> None:
        for hash_list in HashList.objects.all():
            state = "enabled" if hash_list.enabled else "disabled"
            count = hash_list.entries.count()
            self.stdout.write(f"{hash_list.name}\t{hash_list.source}\t{state}\t{count} entries")

    def _import(self, options: dict[str, Any]) -> None:
        hash_list = _list(options["list_name"])
        path = options["file"]
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below, after the import
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        with stream:
            reader = CountingReader(stream)
            progress = Progress(
                sys.stderr, total_bytes=os.fstat(stream.fileno()).st_size, label="records"
            )
            try:
                result = actions.import_hash_list(
                    hash_list,
                    io.BufferedReader(reader),
                    format_name=options["format"],
                    source_file=os.path.basename(path),
                    strict=options["strict"],
                    acting_user=None,
                    progress=lambda r: progress.update(r.read, reader.bytes_read),
                )
            except actions.ImportAborted as exc:
                raise CommandError(str(exc)) from None
            progress.finish(result.read, reader.bytes_read)
        for problem in result.problems:
            self.stderr.write(f"{path}: {problem}")
        if result.problem_count > len(result.problems):
            self.stderr.write(f"... and {result.problem_count - len(result.problems)} more")
        for notice in result.notices:
            self.stderr.write(f"{path}: note: {notice}")
        self.stdout.write(f"{hash_list.name}: {result.summary()}")

    def _export(self, options: dict[str, Any]) -> None:
        hash_list = _list(options["list_name"])
        if options["output"] == "-":
            sink = io.BufferedWriter(_TextSink(self.stdout))  # type: ignore[type-var]
            written = actions.export_hash_list(
                hash_list, sink, format_name=options["format"], acting_user=None
            )
            sink.flush()
        else:
            with open(options["output"], "wb") as target:
                written = actions.export_hash_list(
                    hash_list, target, format_name=options["format"], acting_user=None
                )
        self.stderr.write(f"{hash_list.name}: {written} entries exported")
