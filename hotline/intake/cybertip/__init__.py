"""CyberTipline-compatible reporting API (NCMEC's flow: submit, upload, fileinfo, finish,
retract, status), so an ESP's existing client only changes its base URL and credentials.

``xml`` parses and validates, ``mapping`` turns a report into our model, ``actions`` writes,
``views`` answers in NCMEC's response XML. See docs/cybertip.md.
"""
