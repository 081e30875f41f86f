from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/hotline/hotline.css", "text/css"),
        ("/static/hotline/htmx.min.js", "text/javascript"),
        ("/static/hotline/assess.js", "text/javascript"),
        ("/static/monitoring/monitoring.css", "text/css"),
    ],
)
def test_static_files_are_served(path: str, content_type: str) -> None:
    response = Client().get(path)

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type
    b"".join(response.streaming_content)  # type: ignore[attr-defined]
