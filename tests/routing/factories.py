"""Kept for imports written before ``tests.factories``: the routing world lives there now."""

from __future__ import annotations

from tests.factories.routing import RoutingWorld, hosted_item, routing_world

__all__ = ["RoutingWorld", "hosted_item", "routing_world"]
