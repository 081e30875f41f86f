#!/usr/bin/env python
"""Django's manage.py; the ``hotline`` command does the same with friendlier errors."""

from hotline.cli import main

if __name__ == "__main__":
    main()
