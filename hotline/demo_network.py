"""The demo world's network: reserved names and documentation addresses only.

Used in demo mode instead of DNS and IP data, so routing can be shown without
touching the internet. Plain data: settings import it.
"""

from __future__ import annotations

DEMO_HOSTS: dict[str, list[str]] = {
    "images.example.test": ["192.0.2.10"],
    "forum.example.test": ["198.51.100.20"],
    "files.example.test": ["203.0.113.30"],
    "cdn.example.test": ["192.0.2.200"],
}
DEMO_IPS: dict[str, dict[str, object]] = {
    "192.0.2.0/25": {"country": "FR", "asn": 64500, "as_org": "Demo Hosting FR"},
    "198.51.100.0/24": {"country": "DE", "asn": 64501, "as_org": "Demo Hosting DE"},
    "203.0.113.0/24": {"country": "BR", "asn": 64502, "as_org": "Demo Hosting BR"},
    "192.0.2.128/25": {"country": "US", "asn": 13335, "as_org": "Cloudflare, Inc."},
}
