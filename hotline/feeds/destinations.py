"""The ``blocklist`` routing destination: an assessed page goes on the blocklist.

Registered on import (``FeedsConfig.ready`` imports this module).
"""

from __future__ import annotations

from hotline.feeds.actions import blocklist_dispatcher
from hotline.routing.destinations import DISPATCHERS
from hotline.routing.models import Destination

DISPATCHERS.register(Destination.BLOCKLIST, blocklist_dispatcher)
