"""Start-up work that keeps the first resident from waiting."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

# Stores one photo the way a resident's is stored, and prints the modules that imported.
FIRST_PHOTO = """
import io, sys, tempfile
from pathlib import Path
from PIL import Image
from bot.startup import warm_up_photo_hashing
from storage.media import store_photo

if sys.argv[1] == "warm":
    warm_up_photo_hashing()
picture = io.BytesIO()
Image.new("RGB", (64, 48), "green").save(picture, format="JPEG")
before = set(sys.modules)
with tempfile.TemporaryDirectory() as media:
    store_photo(picture.getvalue(), media_dir=Path(media))
print(sorted(set(sys.modules) - before))
"""


def modules_imported_by_the_first_photo(mode: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", FIRST_PHOTO, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported: list[str] = ast.literal_eval(result.stdout.strip())
    return imported


def test_after_the_warm_up_the_first_photo_imports_nothing() -> None:
    cold = modules_imported_by_the_first_photo("cold")
    assert any(name.startswith("scipy") for name in cold), "what the warm-up is for"
    assert modules_imported_by_the_first_photo("warm") == []
