"""Hash lists made and filled by the matching actions."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import factory

from hotline.matching.actions import create_hash_list, import_hash_list
from hotline.matching.models import HashList


class HashListFactory(factory.Factory[HashList]):
    """A hash list from ``create_hash_list``; ``entries`` (``(algorithm, value)`` pairs) are
    imported through ``import_hash_list`` as a CSV file would be."""

    class Meta:
        model = HashList

    name = factory.Sequence(lambda n: f"Hash list {n}")
    entries: Any = ()

    @classmethod
    def _create(cls, model_class: type[HashList], *args: Any, **kwargs: Any) -> HashList:
        entries: Sequence[tuple[str, str]] = kwargs.pop("entries")
        hash_list = create_hash_list(acting_user=None, **kwargs)
        if entries:
            lines = ["algorithm,value"] + [f"{algorithm},{value}" for algorithm, value in entries]
            result = import_hash_list(
                hash_list,
                io.BytesIO("\n".join(lines).encode()),
                format_name="csv",
                strict=True,
                acting_user=None,
            )
            assert result.added == len(entries), result.problems
        return hash_list
