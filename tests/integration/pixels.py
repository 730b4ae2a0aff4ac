"""Reading a screenshot's pixels in a locator's box: how much of it is Playwright's mask colour,
how much red message text it shows. Shared by the tests of masked evidence."""

from __future__ import annotations

from typing import Any

from PIL import Image

MASK = (255, 0, 255)  # Playwright's mask colour (#FF00FF)


def share_masked(image: Image.Image, locator: Any) -> float:
    """The share of the element's box (its inner part: borders are antialiased) in mask colour."""
    box = locator.bounding_box()
    assert box is not None and box["width"] > 4 and box["height"] > 4
    left, top = int(box["x"]) + 2, int(box["y"]) + 2
    right, bottom = int(box["x"] + box["width"]) - 2, int(box["y"] + box["height"]) - 2
    pixels = [image.getpixel((x, y)) for x in range(left, right) for y in range(top, bottom)]
    return sum(1 for p in pixels if p == MASK) / len(pixels)


def red_pixels(image: Image.Image, locator: Any) -> int:
    """Pixels of a portal's red message text (#c00) in the element's box."""
    box = locator.bounding_box()
    assert box is not None
    raw = image.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]),
                      int(box["y"] + box["height"]))).tobytes()
    return sum(1 for i in range(0, len(raw), 3) if raw[i] > 150 and raw[i + 1] < 90 and raw[i + 2] < 90)
