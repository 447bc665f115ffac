"""The Bot API reference ships with the sandbox, and requests are never checked against nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import botapi_sandbox
from botapi_sandbox import (
    PACKAGED_SPEC,
    SPEC_ENV_VAR,
    Sandbox,
    SpecNotFoundError,
    load_spec,
)
from botapi_sandbox.refresh_spec import FILES, refresh

PACKAGE = Path(botapi_sandbox.__file__).parent

#: run inside a copy of the package with nothing beside it: start a sandbox with no arguments
#: and try an unknown method and an unknown parameter over HTTP
_PROBE = """
import asyncio, json, sys
import httpx
import botapi_sandbox
from botapi_sandbox import Sandbox

async def main() -> None:
    async with Sandbox() as box:
        box.person(1001, "Alice")
        async with httpx.AsyncClient() as client:
            url = f"{box.base_url}{box.token}"
            unknown_method = await client.post(f"{url}/sendTelepathy", json={"chat_id": 1001})
            unknown_param = await client.post(
                f"{url}/sendMessage", json={"chat_id": 1001, "text": "hi", "colour": "red"}
            )
            fine = await client.post(f"{url}/sendMessage", json={"chat_id": 1001, "text": "hi"})
    json.dump(
        {
            "package": botapi_sandbox.__file__,
            "spec": str(box.spec.path),
            "unknown_method": unknown_method.json(),
            "unknown_param": unknown_param.json(),
            "fine": fine.json()["ok"],
            "rejections": len(box.rejections),
        },
        sys.stdout,
    )

asyncio.run(main())
"""


def test_a_clone_with_nothing_beside_it_checks_every_request(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(PACKAGE, clone / "botapi_sandbox", ignore=shutil.ignore_patterns("__pycache__"))
    assert not (tmp_path / "shared").exists()
    env = {k: v for k, v in os.environ.items() if k not in (SPEC_ENV_VAR, "PYTHONPATH")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert Path(seen["package"]).is_relative_to(clone), "the copy is the package imported"
    assert seen["spec"] == str((clone / "botapi_sandbox" / "data" / "api.min.json").resolve())
    assert seen["unknown_method"] == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert seen["unknown_param"]["error_code"] == 400
    assert 'unknown parameter "colour"' in seen["unknown_param"]["description"]
    assert seen["fine"] is True
    assert seen["rejections"] == 2


def test_the_packaged_copy_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPEC_ENV_VAR, raising=False)
    spec = load_spec()
    assert spec.path == PACKAGED_SPEC.resolve()
    assert PACKAGED_SPEC.is_relative_to(PACKAGE)
    assert spec.version.startswith("Bot API")
    for name in FILES:  # the licence travels with the data
        assert (PACKAGED_SPEC.parent / name).is_file()
    assert "MIT License" in (PACKAGED_SPEC.parent / "LICENSE").read_text(encoding="utf-8")


def test_a_missing_reference_is_an_error_not_an_off_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "api.min.json"
    with pytest.raises(SpecNotFoundError) as caught:
        load_spec(missing)
    assert str(missing) in str(caught.value)
    monkeypatch.setenv(SPEC_ENV_VAR, str(missing))
    with pytest.raises(SpecNotFoundError, match=SPEC_ENV_VAR):
        Sandbox()
    monkeypatch.delenv(SPEC_ENV_VAR)
    monkeypatch.setattr("botapi_sandbox.spec.PACKAGED_SPEC", missing)
    with pytest.raises(SpecNotFoundError, match="refresh_spec"):
        Sandbox()


@pytest.mark.parametrize(
    ("content", "reason"),
    [("{not json", "not the Bot API reference"), ('{"version": "x", "methods": {}}', "no methods")],
)
def test_a_file_that_is_not_a_reference_is_an_error(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "api.min.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SpecNotFoundError, match=reason):
        Sandbox(spec=path)


def test_the_environment_variable_overrides_the_packaged_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    minimal = {"version": "test", "methods": {"getMe": {"fields": [], "returns": ["User"]}}}
    path = tmp_path / "api.json"
    path.write_text(json.dumps(minimal), encoding="utf-8")
    monkeypatch.setenv(SPEC_ENV_VAR, str(path))
    assert Sandbox().spec.version == "test"


def test_refresh_copies_the_reference_with_its_licence(tmp_path: Path) -> None:
    source, target = tmp_path / "shared", tmp_path / "data"
    source.mkdir()
    for name in FILES:
        shutil.copyfile(PACKAGED_SPEC.parent / name, source / name)
    assert refresh(source, target) == ("none", load_spec(PACKAGED_SPEC).version)
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)
    (source / "LICENSE").unlink()
    (target / "README.md").write_text("local", encoding="utf-8")
    with pytest.raises(SpecNotFoundError, match="LICENSE"):
        refresh(source, target)
    assert (target / "README.md").read_text(encoding="utf-8") == "local", "nothing copied"


def test_spec_limits_come_from_the_reference() -> None:
    spec = load_spec()
    send_message = spec.find_method("SendMessage")
    assert send_message is not None
    text = send_message.fields["text"]
    assert text.limit is not None
    assert (text.limit.low, text.limit.high) == (1, 4096)
    button = spec.types["InlineKeyboardButton"].fields["callback_data"]
    assert button.limit is not None
    assert button.limit.unit == "bytes"
