"""Enrichment: what Hotline learns about each new item in the background, before an analyst looks.

* ``registry`` — the extension point: an enrichment step is a function ``(item) -> dict | None``
  registered under a name; ``cases.tasks.enrich_item`` runs every registered step;
* ``steps`` — the built-in steps (hosting trace for web addresses, known-material matching for
  files), registered when the cases app is ready.
"""
