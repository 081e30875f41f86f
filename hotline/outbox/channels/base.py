from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from hotline.core.registry import Registry

if TYPE_CHECKING:
    from hotline.outbox.models import OutboxMessage


class TemporaryFailure(Exception):
    """Delivery failed in a way that may pass (network down, 5xx, 429): retry with backoff."""


class PermanentFailure(Exception):
    """Delivery can never succeed as the message stands (4xx, bad address): park it."""


class Channel(Protocol):
    """Delivers one outbox message. Must be safe to call twice for one message
    (receivers dedupe on ``message.id``), because a worker may die after sending
    and before recording the delivery."""

    name: str

    def deliver(self, message: OutboxMessage) -> None: ...


CHANNELS: Registry[Channel] = Registry("outbox channel")


def register(channel: Channel) -> Channel:
    """Make ``channel`` deliver messages queued for ``channel.name`` (a module registers its
    channel on import; a second channel of that name is refused)."""
    return CHANNELS.register(channel.name, channel)


def get_channel(name: str) -> Channel:
    try:
        return CHANNELS[name]
    except KeyError:
        raise PermanentFailure(f"no delivery channel named {name!r}") from None
