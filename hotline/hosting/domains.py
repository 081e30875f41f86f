"""Registrable domains from the Public Suffix List, read offline from the ``publicsuffixlist``
package's bundled copy (nothing is downloaded; a package upgrade brings a newer list).

The private section of the list is used as well as the ICANN one: ``name.blogspot.com`` and
``name.github.io`` belong to different people than their neighbours, which is what matters for
grouping reports and choosing whom to notify.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import date
from pathlib import Path

import publicsuffixlist

__all__ = ["PSL_SOURCE", "psl_data_date", "registrable_domain"]

PSL_SOURCE = "Public Suffix List (publicsuffixlist package, bundled copy)"
_VERSION_LINE = re.compile(r"^// VERSION: (\d{4})-(\d{2})-(\d{2})", re.MULTILINE)


@functools.cache
def _list() -> publicsuffixlist.PublicSuffixList:
    # accept_unknown: a name under a TLD the list does not know (.test, .invalid) still has a
    # registrable domain, its last two labels, as browsers treat it.
    return publicsuffixlist.PublicSuffixList(only_icann=False, accept_unknown=True)


def registrable_domain(host: str) -> str | None:
    """The registrable domain ("eTLD+1") of a canonical host; ``None`` for an IP address, a
    public suffix itself (``co.uk``) or a single label (``localhost``)."""
    name = host.strip().strip(".").lower()
    if not name:
        return None
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        return None
    domain: str | None = _list().privatesuffix(name)
    return domain


@functools.cache
def psl_data_date() -> date | None:
    """The date of the bundled list, from its ``VERSION`` header line."""
    dat = Path(publicsuffixlist.__file__).with_name("public_suffix_list.dat")
    try:
        with dat.open(encoding="utf-8") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    match = _VERSION_LINE.search(head)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)
