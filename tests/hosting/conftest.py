from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hosting.servers import RdapServer, running_rdap_server


@pytest.fixture
def rdap_server() -> Iterator[RdapServer]:
    """A real RDAP (HTTP + RFC 9083 JSON) server on 127.0.0.1; set ``routes`` in the test."""
    with running_rdap_server(RdapServer()) as server:
        yield server
