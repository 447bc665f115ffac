"""Test photos: distinct JPEGs per seed, optionally with camera and GPS EXIF."""

from __future__ import annotations

import io
import random
from typing import Any

from PIL import ExifTags, Image, ImageDraw

__all__ = ["make_photo", "photo_gps"]

#: where the default test photos are "taken" (around People's Square, Shanghai)
_BASE_LAT = 31.2304
_BASE_LON = 121.4737


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, 4)
    return float(degrees), float(minutes), seconds


def _from_dms(dms: tuple[Any, ...], ref: object) -> float:
    degrees, minutes, seconds = (float(v) for v in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if ref in ("S", "W") else value


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(256), rng.randrange(256), rng.randrange(256)


def make_photo(
    seed: int = 0,
    size: tuple[int, int] = (640, 480),
    gps: bool = True,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    metadata: bool = True,
) -> bytes:
    """A JPEG whose content depends on ``seed`` (so perceptual hashes differ between seeds).

    With ``gps=True`` it carries EXIF Make/Model and a GPSInfo block (``latitude``/``longitude``,
    by default a point near Shanghai derived from the seed) for testing EXIF stripping.
    With ``metadata=False`` it has no EXIF segment at all (``gps`` is then ignored), as
    Telegram delivers a photo sent compressed: re-encoded, its metadata gone.
    """
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, _colour(rng))
    draw = ImageDraw.Draw(image)
    # a coarse grid of light/dark cells: the low-frequency structure perceptual hashes see
    cells = 4
    for row in range(cells):
        for col in range(cells):
            shade = rng.choice((rng.randrange(0, 90), rng.randrange(165, 256)))
            tint = (shade, (shade + rng.randrange(60)) % 256, (shade * 3 + rng.randrange(60)) % 256)
            box = (
                col * width // cells,
                row * height // cells,
                (col + 1) * width // cells,
                (row + 1) * height // cells,
            )
            draw.rectangle(box, fill=tint)
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = min(width, x0 + rng.randrange(width // 8, width // 2))
        y1 = min(height, y0 + rng.randrange(height // 8, height // 2))
        colour = _colour(rng)
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    exif = Image.Exif()
    if gps:
        lat = latitude if latitude is not None else _BASE_LAT + rng.uniform(-0.05, 0.05)
        lon = longitude if longitude is not None else _BASE_LON + rng.uniform(-0.05, 0.05)
        exif[ExifTags.Base.Make] = "SandboxCam"
        exif[ExifTags.Base.Model] = f"SC-{seed % 1000:03d}"
        exif[ExifTags.Base.DateTime] = "2026:05:01 10:30:00"
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSVersionID] = b"\x02\x03\x00\x00"
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps_ifd[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps_ifd[ExifTags.GPS.GPSLongitude] = _dms(lon)
    buffer = io.BytesIO()
    if metadata:
        image.save(buffer, "JPEG", quality=88, exif=exif)
    else:
        image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def photo_gps(data: bytes) -> tuple[float, float] | None:
    """The (latitude, longitude) in a JPEG's EXIF GPSInfo, or None when there is none."""
    with Image.open(io.BytesIO(data)) as image:
        gps_ifd = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    lat = gps_ifd.get(ExifTags.GPS.GPSLatitude)
    lon = gps_ifd.get(ExifTags.GPS.GPSLongitude)
    if not lat or not lon:
        return None
    return (
        _from_dms(tuple(lat), gps_ifd.get(ExifTags.GPS.GPSLatitudeRef)),
        _from_dms(tuple(lon), gps_ifd.get(ExifTags.GPS.GPSLongitudeRef)),
    )
