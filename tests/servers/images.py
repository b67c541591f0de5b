"""Deterministic image bodies for the test origin.

image_bytes(name, size) always returns the same bytes for the same arguments:
a JPEG (or PNG when the name ends in .png) signature, pseudo-random filler
seeded by the name, and the JPEG end marker. The bytes are not a decodable
picture; they only need to look like one to a content sniffer and to be
unique per name so that a misplaced object is detected.

size_for(name) picks a size from a log-normal-like distribution (median about
24 KB, capped) so test sets have realistic spread yet stay small.
"""
import hashlib
import math
import random

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
JPEG_TAIL = b"\xff\xd9"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def _seed(name):
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def content_type_for(name):
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"


def image_bytes(name, size):
    """The body of image `name` with exactly `size` bytes (size >= 0)."""
    if size <= 0:
        return b""
    head = PNG_HEAD if name.lower().endswith(".png") else JPEG_HEAD
    tail = JPEG_TAIL if head is JPEG_HEAD else b""
    if size <= len(head) + len(tail):
        return (head + tail)[:size]
    filler = random.Random(_seed(name)).randbytes(size - len(head) - len(tail))
    return head + filler + tail


def size_for(name, median=24_000, sigma=0.9, cap=400_000):
    """A deterministic size for `name`, log-normal around `median` bytes."""
    rng = random.Random(_seed(name) ^ 0x5EED)
    size = int(math.exp(rng.gauss(math.log(median), sigma)))
    return max(1, min(size, cap))


def md5_hex(data):
    return hashlib.md5(data).hexdigest()
