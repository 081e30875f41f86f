"""Benign synthetic images (gradients, shapes, noise) for tests, benchmarks and demos.

The project never holds real media: every image it hashes in tests or
benchmarks comes from here (or from Meta's benign PDQ test photographs).
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw


def synthetic_image(seed: int, *, width: int = 1024, height: int = 768) -> Image.Image:
    """A deterministic RGB picture of gradients, ellipses and rectangles with mild noise."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = rng.uniform(0, 6.28)
    channels = [
        np.sin(cols / rng.uniform(40, 400) + phase) * 0.5 + 0.5,
        rows / height,
        np.cos((cols + rows) / rng.uniform(60, 500)) * 0.5 + 0.5,
    ]
    image = Image.fromarray((np.stack(channels, axis=-1) * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(5, 25)):
        left, top = rng.randint(0, width), rng.randint(0, height)
        box = [
            left,
            top,
            left + rng.randint(1, max(1, width // 2)),
            top + rng.randint(1, max(1, height // 2)),
        ]
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    pixels = np.asarray(image).astype(np.int16) + noise.integers(-12, 13, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def encode(image: Image.Image, image_format: str = "JPEG", **options: object) -> bytes:
    """``image`` encoded in ``image_format`` (JPEG at quality 90 unless told otherwise)."""
    if image_format == "JPEG":
        options.setdefault("quality", 90)
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()
