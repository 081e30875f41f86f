"""Liveness checking: is the content at a reported URL still online, asked without becoming a proxy.

One concept, one module each:

* ``check`` — ``check_url``: the HEAD-then-GET walk along redirects, every hop checked;
* ``policy`` — ``FetchPolicy``: where the checker may connect, how, for how long (from settings);
* ``targets`` — from a URL to a ``Target`` it may request, or a ``Refused`` saying why not;
* ``addresses`` — which IP addresses it may connect to (public unicast only);
* ``transport`` — one HTTP request over a connection pinned to an already checked address;
* ``results`` — what one check found (``Liveness``, ``Reason``, ``LivenessResult``), never a body.

The names below are what the rest of Hotline uses; the modules hold the details.
"""

from __future__ import annotations

from hotline.takedown.liveness.check import (
    FetchPolicy,
    Hop,
    Liveness,
    LivenessResult,
    Reason,
    check_url,
)

__all__ = ["FetchPolicy", "Hop", "Liveness", "LivenessResult", "Reason", "check_url"]
