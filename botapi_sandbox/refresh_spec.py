"""Refresh the packaged Bot API reference: ``python -m botapi_sandbox.refresh_spec [DIR]``.

Copies ``api.min.json`` with its ``LICENSE`` and ``README.md`` from ``DIR`` (by default the
project's shared copy, ``../shared/telegram-bot-api`` beside the repository) into
``botapi_sandbox/data/``, after checking that the new file loads as a reference. Commit the
result: the sandbox reads only the packaged copy (or ``$TELEGRAM_BOT_API_SPEC``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from .spec import PACKAGED_SPEC, SpecNotFoundError, load_spec

__all__ = ["DEFAULT_SOURCE", "FILES", "main", "refresh"]

#: the shared reference beside the repository (``<repo>/../shared/telegram-bot-api``)
DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "telegram-bot-api"
FILES = ("api.min.json", "LICENSE", "README.md")


def refresh(source: Path, target: Path = PACKAGED_SPEC.parent) -> tuple[str, str]:
    """Copy the reference files from ``source`` to ``target``; return (old, new) versions.

    Raise :class:`SpecNotFoundError` (and copy nothing) when ``source`` lacks a file or its
    ``api.min.json`` is not a reference.
    """
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing:
        raise SpecNotFoundError(f"{source} lacks {', '.join(missing)}")
    new = load_spec(source / FILES[0]).version
    old_file = target / FILES[0]
    old = load_spec(old_file).version if old_file.is_file() else "none"
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        destination = target / name
        destination.unlink(missing_ok=True)  # the shared copy may be read-only
        shutil.copyfile(source / name, destination)
    return old, new


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m botapi_sandbox.refresh_spec")
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"directory holding {', '.join(FILES)} (default: {DEFAULT_SOURCE})",
    )
    args = parser.parse_args(argv)
    try:
        old, new = refresh(args.source)
    except SpecNotFoundError as exc:
        sys.stderr.write(f"refresh_spec: {exc}\n")
        return 1
    sys.stdout.write(f"refresh_spec: {old} -> {new} in {PACKAGED_SPEC.parent}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
