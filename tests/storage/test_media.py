"""Stored photos carry no EXIF (GPS included) and get a perceptual hash."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def test_a_photo_as_telegram_sends_it_is_kept_byte_for_byte(tmp_path: Path) -> None:
    """A JPEG with nothing but its pixels needs no stripping: stored as it came (no second
    lossy encoding), hashed from a reduced decode within 2 bits of the whole image's hash."""
    for seed in range(10):
        for size in [(640, 480), (1280, 960), (960, 1280), (320, 240)]:
            data = make_photo(seed=seed, size=size, metadata=False)
            with Image.open(io.BytesIO(data)) as image:
                assert [marker for marker, _ in image.applist] == ["APP0"]  # type: ignore[attr-defined]
                exact = str(imagehash.phash(image.convert("RGB")))
            stored = store_photo(data, media_dir=tmp_path)
            assert (tmp_path / stored.path).read_bytes() == data
            assert (stored.width, stored.height) == size
            assert phash_distance(stored.phash, exact) <= 2, (seed, size)


def _resaved(data: bytes, image_format: str = "JPEG", **options: Any) -> bytes:
    """The photo saved again by Pillow with `options` (a comment, a profile, XMP...)."""
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.save(out, image_format, **options)
        return out.getvalue()


def _comment_between_scans(data: bytes) -> bytes:
    """A progressive JPEG with a comment before its second scan, where Pillow's parser (which
    stops at the first scan) does not look."""
    progressive = _resaved(data, progressive=True)
    second_scan = progressive.index(b"\xff\xda", progressive.index(b"\xff\xda") + 2)
    payload = b"at 31.2,121.4"
    segment = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
    dressed = progressive[:second_scan] + segment + progressive[second_scan:]
    with Image.open(io.BytesIO(dressed)) as image:
        assert "comment" not in image.info  # invisible to Pillow's header parse
    return dressed


@pytest.mark.parametrize(
    "dress",
    [
        pytest.param(lambda d: make_photo(seed=5, gps=True), id="exif-gps"),
        pytest.param(lambda d: _resaved(d, comment=b"at Xinhua Road 200, 31.2"), id="comment"),
        pytest.param(lambda d: _resaved(d, icc_profile=b"\0" * 128), id="icc-profile"),
        pytest.param(lambda d: _resaved(d, xmp=b"<x:xmpmeta>31.2,121.4</x:xmpmeta>"), id="xmp"),
        pytest.param(lambda d: d + b"hidden trailer: 31.2,121.4", id="bytes-after-the-end"),
        pytest.param(lambda d: _resaved(d, "PNG"), id="png"),
        pytest.param(_comment_between_scans, id="comment-between-progressive-scans"),
    ],
)
def test_anything_beside_the_pixels_is_reencoded_away(
    tmp_path: Path, dress: Callable[[bytes], bytes]
) -> None:
    data = dress(make_photo(seed=5, metadata=False))
    stored = store_photo(data, media_dir=tmp_path)
    kept = (tmp_path / stored.path).read_bytes()
    assert kept != data
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG"
        assert [marker for marker, _ in image.applist] == ["APP0"]  # type: ignore[attr-defined]
        assert "comment" not in image.info
    assert kept.endswith(b"\xff\xd9")
    assert b"31.2" not in kept


def test_a_broken_photo_without_metadata_is_refused(tmp_path: Path) -> None:
    data = make_photo(seed=6, metadata=False)
    for broken in (data[: len(data) // 2], data[:200] + b"\xff\xd9"):
        with pytest.raises(NotAnImageError):
            store_photo(broken, media_dir=tmp_path)
    assert not list(tmp_path.rglob("*.jpg"))
