"""Stored photos carry no EXIF (GPS included) and get a perceptual hash."""

from __future__ import annotations

import io
from pathlib import Path

import imagehash
import pytest
from PIL import ExifTags, Image

from botapi_sandbox.images import make_photo
from storage.media import NotAnImageError, phash_distance, store_photo


def test_the_test_photo_really_has_gps() -> None:
    with Image.open(io.BytesIO(make_photo(seed=1, gps=True))) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_stored_copy_has_no_exif(tmp_path: Path) -> None:
    stored = store_photo(make_photo(seed=1, gps=True), media_dir=tmp_path)
    path = tmp_path / stored.path
    with Image.open(path) as image:
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"Exif" not in path.read_bytes()
    assert (stored.width, stored.height) == (640, 480)


def test_perceptual_hash_tells_same_from_different(tmp_path: Path) -> None:
    first = store_photo(make_photo(seed=3), media_dir=tmp_path)
    again = store_photo(make_photo(seed=3), media_dir=tmp_path)
    other = store_photo(make_photo(seed=4), media_dir=tmp_path)
    assert phash_distance(first.phash, again.phash) <= 4
    assert phash_distance(first.phash, other.phash) > 10


def test_not_an_image_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAnImageError):
        store_photo(b"%PDF-1.4 not a picture", media_dir=tmp_path)
    assert not list(tmp_path.rglob("*.jpg"))


def test_the_hash_of_the_reduced_image_is_the_full_images_hash(tmp_path: Path) -> None:
    """store_photo hashes a box-reduced copy (speed); it must mean what the full image's
    hash means, and the same scene at Telegram's larger size must stay near."""
    for seed in range(10):
        for size in [(640, 480), (960, 1280)]:
            data = make_photo(seed=seed, size=size)
            with Image.open(io.BytesIO(data)) as full:
                exact = str(imagehash.phash(full.convert("RGB")))
            reduced = store_photo(data, media_dir=tmp_path)
            assert phash_distance(reduced.phash, exact) <= 2, (seed, size)
        data = make_photo(seed=seed, size=(1280, 960))
        stored = store_photo(data, media_dir=tmp_path)
        with Image.open(io.BytesIO(data)) as full:
            exact = str(imagehash.phash(full.convert("RGB")))
        assert phash_distance(stored.phash, exact) <= 2, seed
        smaller = store_photo(make_photo(seed=seed, size=(640, 480)), media_dir=tmp_path)
        assert phash_distance(stored.phash, smaller.phash) <= 4, seed
