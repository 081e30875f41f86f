"""A hosting trace in words: resolver names, lookup errors and data sources as people read
them (``static``, ``HOSTING_STATIC_IPS`` and "not in the static table" are internals)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def resolver_words(name: str) -> str:
    """``static`` → the fixed host table; ``dns (system)`` → the system's DNS; ``dns via X``."""
    if name == "static":
        return _("the instance's fixed host table (demo and test data)")
    if name == "dns (system)":
        return _("the system's DNS resolver")
    if name.startswith("dns via "):
        return _("the DNS servers %(servers)s") % {"servers": name.removeprefix("dns via ")}
    return name


ERRORS = {
    "no such domain (not in the static table)": "not_in_table",
    "no such domain (NXDOMAIN)": "nxdomain",
}


@register.filter
def trace_error_words(error: str) -> str:
    """A lookup error in words (unknown errors as recorded)."""
    kind = ERRORS.get(error)
    if kind == "not_in_table":
        return _("The host is not in the instance's fixed host table, so it was not found.")
    if kind == "nxdomain":
        return _("The domain does not exist (the DNS answered NXDOMAIN).")
    return error


@register.filter
def source_words(source: str) -> str:
    """Where a fact came from, in words (the fixed address table by name, others as given)."""
    if source == "HOSTING_STATIC_IPS":
        return _("the instance's fixed address table (demo and test data)")
    return source
