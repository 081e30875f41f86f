"""The assembly layer: what puts the apps together into one site.

It is the only package that may import every app: the project URLs (``urls``, ``api_urls``),
the navigation, the context processors that need it, the demo data and the event pipeline
(``pipeline``). Nothing imports it but the settings and the entry points.
"""
