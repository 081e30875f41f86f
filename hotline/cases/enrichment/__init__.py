"""Enrichment: what Hotline learns about each new item in the background, before an analyst looks.

* ``registry`` — the extension point: an enrichment step is a function of a batch of items
  (``(items) -> [dict | None, ...]``, or ``(item) -> dict | None`` registered with
  ``register_enricher``) registered under a name; ``cases.tasks.enrich_items`` runs every
  registered step on a worker's batch (``enrich_item`` on a batch of one);
* ``steps`` — the built-in steps (hosting trace for web addresses, known-material matching for
  files), registered when the cases app is ready.
"""
