"""Photos: decode, strip metadata (EXIF with GPS included), store, and hash for duplicates."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # a decompression-bomb guard well above any phone camera
HASH_SHORT_SIDE = 240  # px: the reduced copy a photo's hash is taken from is at least this


class NotAnImageError(ValueError):
    """The bytes are not an image Pillow can read."""


@dataclass(frozen=True)
class StoredPhoto:
    path: str  # relative to the media directory
    phash: str
    width: int
    height: int


def store_photo(data: bytes, *, media_dir: Path, subdir: str = "photos") -> StoredPhoto:
    """Save `data` under `media_dir` as a JPEG without any metadata, with its perceptual hash.

    A JPEG that carries nothing but its pixels (no APP1..APP15 or comment segment anywhere,
    nothing after its end marker: how Telegram delivers a photo sent compressed) is kept
    byte for byte, and hashed from a reduced decode: 0.9 ms of CPU for a 640x480 photo
    against 3.4 ms re-encoded (benchmarks/README.md). Anything else (EXIF with GPS, XMP, an
    ICC profile, a comment, also one between a progressive JPEG's scans, bytes after the
    end, a PNG) is re-encoded from its pixels, the EXIF orientation applied to them first,
    so the stripped copy looks the same as the original (tests/storage/test_media.py).
    Blocking (CPU and disk): call it in a thread from async code.
    """
    try:
        with Image.open(io.BytesIO(data)) as original:
            if original.width * original.height > MAX_PIXELS:
                raise NotAnImageError("image too large")
            if _only_pixels(original, data):
                width, height = original.size
                phash = _hash_of_reduced_decode(original)
                clean = None
            else:
                upright = ImageOps.exif_transpose(original)
                rgb = upright if upright.mode == "RGB" else upright.convert("RGB")
                # Rebuild from raw pixels so no info (EXIF, XMP, ICC, comments) can ride along.
                clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise NotAnImageError(str(exc)) from exc
    if clean is None:  # kept as it came
        return StoredPhoto(_save(data, media_dir, subdir), phash, width, height)
    encoded = io.BytesIO()
    clean.save(encoded, format="JPEG", quality=88, optimize=True)
    return StoredPhoto(
        path=_save(encoded.getvalue(), media_dir, subdir),
        phash=str(imagehash.phash(_shrunk_for_hashing(clean))),
        width=clean.width,
        height=clean.height,
    )


# A marker that opens an APP1..APP15 or comment segment. In the compressed data a 0xFF is
# always followed by 0x00 or a restart marker, so this is found only where such a segment
# is, wherever it is (also between a progressive JPEG's scans, where Pillow does not look),
# or, rarely, inside a table's bytes: then the photo is re-encoded, which is only slower.
_METADATA_MARKER = re.compile(rb"\xff[\xe1-\xef\xfe]")


def _only_pixels(image: Image.Image, data: bytes) -> bool:
    """Whether a decoded JPEG would hold nothing more than `data` already does: no segment
    that can carry metadata (EXIF, XMP, ICC, IPTC, comments: APP1..APP15 and COM; JFIF's
    APP0 is allowed), and the end marker as the file's last bytes (nothing appended)."""
    if image.format != "JPEG" or not data.endswith(b"\xff\xd9"):
        return False
    return _METADATA_MARKER.search(data) is None


def _hash_of_reduced_decode(image: Image.Image) -> str:
    """The perceptual hash of a JPEG decoded in grey at a reduced scale (the decoder's own
    1/2, 1/4 or 1/8), to at least HASH_SHORT_SIDE px on its short side; the whole decode is
    checked on the way (a truncated or broken file raises)."""
    width, height = image.size
    factor = _hash_reduction(image.size)
    image.draft("L", (width // factor, height // factor))
    return str(imagehash.phash(image.convert("L")))


def _save(data: bytes, media_dir: Path, subdir: str) -> str:
    """Write a photo under a new random name; its path relative to the media directory."""
    relative = Path(subdir) / f"{uuid.uuid4().hex}.jpg"
    target = media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative.as_posix()


def _shrunk_for_hashing(image: Image.Image) -> Image.Image:
    """The image in grey (what the hash reads), box-reduced by a whole factor to at least
    HASH_SHORT_SIDE (240) px on its short side, before the hash's own 32x32 Lanczos resize (Pillow's
    `reducing_gap` idea): a 640x480 photo's hash took 1.6 ms of CPU, 0.6 ms so, and a
    1280x960 one's 5.4 ms. Over 40 photos at each of Telegram's sizes the hash moved by at
    most 2 of its 64 bits, as much as between two sizes of one photo, against a duplicate
    threshold of 10 (tests/storage/test_media.py); a photo under 480 px is hashed whole."""
    grey = image.convert("L")
    factor = _hash_reduction(grey.size)
    return grey.reduce(factor) if factor > 1 else grey


def _hash_reduction(size: tuple[int, int]) -> int:
    """The whole factor an image is reduced by before its hash: its short side stays at
    least HASH_SHORT_SIDE (1 for a small image)."""
    return max(1, min(size) // HASH_SHORT_SIDE)


def phash_distance(a: str, b: str) -> int:
    """Hamming distance between two stored perceptual hashes (0 = same picture)."""
    return int(imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b))


def delete_file(media_dir: Path, relative: str) -> None:
    (media_dir / relative).unlink(missing_ok=True)
