"""Files the sandbox holds, as Telegram's servers would: ids, photo sizes, download paths."""

from __future__ import annotations

import io
from typing import Any

from .models import StoredFile

__all__ = ["MAX_DOWNLOAD_SIZE", "FileStore"]

JsonDict = dict[str, Any]

#: getFile refuses bigger files ("file is too big"), as the real Bot API does
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
_FILE_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
}
_FOLDERS = {
    "photo": ("photos", "jpg"),
    "document": ("documents", "bin"),
    "sticker": ("stickers", "webp"),
    "voice": ("voice", "oga"),
    "video": ("videos", "mp4"),
}


def _image_size(data: bytes | None) -> tuple[int, int]:
    if data:
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                return int(image.width), int(image.height)
        except Exception:  # noqa: BLE001 - anything unreadable gets a default size
            pass
    return 1280, 960


class FileStore:
    """Every file sent by a person or uploaded by the bot, by file_id and download path."""

    def __init__(self, token: str) -> None:
        self._suffix = f"sbx{len(token) % 97:02d}"
        self._counter = 0
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[JsonDict]] = {}

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """The file getFile gave this download path, if any."""
        return self._by_path.get(file_path)

    def photo_set(self, file_id: str) -> list[JsonDict] | None:
        """The PhotoSize objects of the photo one of whose sizes has ``file_id``."""
        return self._photo_sets.get(file_id)

    def store(
        self,
        kind: str,
        data: bytes | None,
        *,
        file_size: int | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        self._counter += 1
        n = self._counter
        prefix = _FILE_ID_PREFIX.get(kind, "BQACAgIAAxkBAAI")
        stored = StoredFile(
            file_id=f"{prefix}{n:06d}{self._suffix}",
            file_unique_id=f"AQAD{n:06d}",
            kind=kind,
            data=data,
            file_size=file_size if file_size is not None else len(data or b""),
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        return stored

    def store_photo(self, data: bytes | None, *, file_size: int | None = None) -> list[JsonDict]:
        """Store a photo; return its three PhotoSize objects (largest last)."""
        width, height = _image_size(data)
        sizes: list[JsonDict] = []
        for side in (90, 320, None):
            if side is None or max(width, height) <= side:
                w, h = width, height
            else:
                scale = side / max(width, height)
                w, h = max(1, round(width * scale)), max(1, round(height * scale))
            stored = self.store(
                "photo", data, file_size=file_size, mime_type="image/jpeg", width=w, height=h
            )
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": w,
                    "height": h,
                    "file_size": stored.file_size,
                }
            )
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return sizes

    def path_for(self, stored: StoredFile) -> str:
        """The download path getFile answers with (made on the first call)."""
        if stored.file_path is None:
            folder, ext = _FOLDERS.get(stored.kind, ("documents", "bin"))
            if stored.file_name and "." in stored.file_name:
                ext = stored.file_name.rsplit(".", 1)[1].lower()
            number = int(stored.file_unique_id[4:])
            stored.file_path = f"{folder}/file_{number}.{ext}"
            self._by_path[stored.file_path] = stored
        return stored.file_path
