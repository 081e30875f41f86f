"""Federation's extensions, registered on import (``RoutingConfig.ready`` imports this):
the outbox signer for partner messages, the ``partner`` routing destination and the nonce
purge. Federation's listeners are connected in ``hotline.site.pipeline``."""

from __future__ import annotations

from datetime import timedelta

from hotline.core.schedule import register_periodic
from hotline.outbox.channels.http import SIGNERS
from hotline.routing.destinations import DISPATCHERS
from hotline.routing.federation import actions, tasks
from hotline.routing.federation.identity import sign_outgoing
from hotline.routing.federation.protocol import SIGNER_NAME
from hotline.routing.models import Destination

SIGNERS.register(SIGNER_NAME, sign_outgoing)
DISPATCHERS.register(Destination.PARTNER, actions.forward_referral)
register_periodic(
    "routing.federation_nonces", every=timedelta(hours=1), task=tasks.purge_signature_nonces
)
