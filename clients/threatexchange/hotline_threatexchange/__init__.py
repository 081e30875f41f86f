"""python-threatexchange extension for Hotline: ``threatexchange config extensions add
hotline_threatexchange`` loads ``TX_MANIFEST``; HMA lists ``HotlineSignalExchangeAPI`` in its
``exchange_types``."""

from __future__ import annotations

from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest

from hotline_threatexchange.exchange import (
    HotlineCheckpoint,
    HotlineCollabConfig,
    HotlineCredentials,
    HotlineExchangeError,
    HotlineListing,
    HotlineSignalExchangeAPI,
    HotlineSignalMetadata,
)

TX_MANIFEST = ThreatExchangeExtensionManifest(apis=(HotlineSignalExchangeAPI,))

__all__ = [
    "TX_MANIFEST",
    "HotlineCheckpoint",
    "HotlineCollabConfig",
    "HotlineCredentials",
    "HotlineExchangeError",
    "HotlineListing",
    "HotlineSignalExchangeAPI",
    "HotlineSignalMetadata",
]
