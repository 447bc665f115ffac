"""Notices' button families: round trip within 64 bytes, and no other family takes their data."""

from __future__ import annotations

import pytest

from handlers import buttons_notices as n
from handlers.buttons import Family
from tests.unit.test_buttons import BIG, EXAMPLES, _families

NOTICE_EXAMPLES: list[Family] = [
    n.NoticeCommunity(BIG),
    *[n.NoticeButton(BIG, BIG, action) for action in n.NoticeAction],
    n.NoticesSetting(True),
    n.NoticesSetting(False),
]
NOTICE_FAMILIES: list[type[Family]] = [n.NoticeCommunity, n.NoticeButton, n.NoticesSetting]


@pytest.mark.parametrize("button", NOTICE_EXAMPLES, ids=lambda button: button.encode())
def test_round_trip_and_one_family_each(button: Family) -> None:
    data = button.encode()
    assert len(data.encode("utf-8")) <= 64
    families = [*_families(), *NOTICE_FAMILIES]
    assert [f for f in families if f.pattern.match(data)] == [type(button)]
    assert type(button).parse(data) == button  # type: ignore[attr-defined]


def test_older_buttons_fit_no_notice_family() -> None:
    for button in EXAMPLES:
        assert not any(f.pattern.match(button.encode()) for f in NOTICE_FAMILIES)


@pytest.mark.parametrize(
    "data", ["nt:1:1:sendx", "nt:1:send", "nt:１:1:send", "set:notices:maybe", "ntc:1\n"]
)
def test_forged_data_fits_nothing(data: str) -> None:
    assert not any(f.pattern.match(data) for f in NOTICE_FAMILIES)
