"""The generated benign videos (:mod:`tests.videos`)."""

from tests.videos import videos  # noqa: F401 (a fixture)
