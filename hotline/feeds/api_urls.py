"""Machine-client endpoints of the feeds app, mounted under /api/v1/ (names prefixed "api_feeds")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hotline.feeds import api, exchange, taxii

_COLLECTION = "taxii2/feeds/collections/<uuid:collection_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("feeds/rpz", api.rpz_zone, name="api_feeds_rpz"),
    path("feeds/urls", api.urls_list, name="api_feeds_urls"),
    path("feeds/urls/delta", api.urls_delta, name="api_feeds_urls_delta"),
    path("feeds/payment", api.payment_list, name="api_feeds_payment"),
    path("feeds/payment/delta", api.payment_delta, name="api_feeds_payment_delta"),
    path("feeds/phone", api.phone_list, name="api_feeds_phone"),
    path("feeds/phone/delta", api.phone_delta, name="api_feeds_phone_delta"),
    path("feeds/hashes", api.hashes, name="api_feeds_hashes"),
    path("feeds/hashes/changes", exchange.hash_changes, name="api_feeds_hashes_changes"),
    path("feeds/self-reported", api.self_reported_hashes, name="api_feeds_self_reported"),
    path(
        "feeds/self-reported/changes",
        exchange.self_reported_changes,
        name="api_feeds_self_reported_changes",
    ),
    path(
        "feeds/self-reported/removals",
        api.self_reported_removals,
        name="api_feeds_self_reported_removals",
    ),
    # TAXII 2.1: discovery, one API root ("feeds"), its collections.
    path("taxii2/", taxii.discovery, name="api_feeds_taxii_discovery"),
    path("taxii2/feeds/", taxii.api_root, name="api_feeds_taxii_root"),
    path("taxii2/feeds/collections/", taxii.collections, name="api_feeds_taxii_collections"),
    path(_COLLECTION, taxii.collection, name="api_feeds_taxii_collection"),
    path(f"{_COLLECTION}objects/", taxii.objects, name="api_feeds_taxii_objects"),
    path(
        f"{_COLLECTION}objects/<str:object_id>/",
        taxii.object_detail,
        name="api_feeds_taxii_object",
    ),
    path(
        f"{_COLLECTION}objects/<str:object_id>/versions/",
        taxii.object_versions,
        name="api_feeds_taxii_versions",
    ),
    path(f"{_COLLECTION}manifest/", taxii.manifest, name="api_feeds_taxii_manifest"),
]
