"""Polls' button families: round trip within 64 bytes, and no other family takes their data."""

from __future__ import annotations

import pytest

from handlers import buttons_polls as p
from handlers.buttons import Family
from tests.unit.test_buttons import BIG, EXAMPLES, _families
from tests.unit.test_buttons_notices import NOTICE_EXAMPLES, NOTICE_FAMILIES

POLL_EXAMPLES: list[Family] = [
    p.PollCommunity(BIG),
    *[p.PollButton(BIG, BIG, action) for action in p.PollAction],
    p.PollsSetting(True),
    p.PollsSetting(False),
]
POLL_FAMILIES: list[type[Family]] = [p.PollCommunity, p.PollButton, p.PollsSetting]


@pytest.mark.parametrize("button", POLL_EXAMPLES, ids=lambda button: button.encode())
def test_round_trip_and_one_family_each(button: Family) -> None:
    data = button.encode()
    assert len(data.encode("utf-8")) <= 64
    families = [*_families(), *NOTICE_FAMILIES, *POLL_FAMILIES]
    assert [f for f in families if f.pattern.match(data)] == [type(button)]
    assert type(button).parse(data) == button  # type: ignore[attr-defined]


def test_older_buttons_fit_no_poll_family() -> None:
    for button in [*EXAMPLES, *NOTICE_EXAMPLES]:
        assert not any(f.pattern.match(button.encode()) for f in POLL_FAMILIES)


@pytest.mark.parametrize(
    "data", ["pl:1:1:sendx", "pl:1:send", "pl:１:1:send", "set:polls:maybe", "plc:1\n"]
)
def test_forged_data_fits_nothing(data: str) -> None:
    assert not any(f.pattern.match(data) for f in POLL_FAMILIES)
