"""Delivery channels: adding one is adding one module that calls ``register``."""

from __future__ import annotations

from hotline.outbox.channels import email, http  # noqa: F401  (register the built-in channels)
from hotline.outbox.channels.base import (
    Channel,
    PermanentFailure,
    TemporaryFailure,
    get_channel,
    register,
)

__all__ = ["Channel", "PermanentFailure", "TemporaryFailure", "get_channel", "register"]
