"""The generated benign videos (:mod:`tests.videos`), for items known by their vPDQ."""

from tests.videos import videos  # noqa: F401 (a fixture)
