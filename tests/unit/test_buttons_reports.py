"""The `/reports` and card-action button families: round trip within 64 bytes, exactly one
family (of every module's) per data, forged data refused; and `/reports`' typed filters."""

from __future__ import annotations

import pytest

from handlers import buttons as b
from handlers import buttons_reports as r
from handlers.reports import parse_args
from storage.listing import ReportFilter
from storage.models import Category, Department, ReportStatus
from tests.unit.test_buttons import BIG, EXAMPLES, _families

FULL = ReportFilter(
    status=ReportStatus.IN_PROGRESS,
    category=Category.OTHER,
    department=Department.OTHER,
    overdue=True,
    community_id=BIG,
    newest_first=False,
)
OURS: list[b.Family] = [
    r.ReportsPage(BIG, FULL),
    r.ReportsPage(1, ReportFilter()),
    *[r.ReportsPage(1, ReportFilter(status=s)) for s in ReportStatus],
    *[r.ReportsMenu(field, FULL) for field in r.FilterField],
    r.OpenReport(BIG),
    *[r.CardButton(BIG, BIG, action) for action in r.CardAction],
    *[r.CardCategory(BIG, BIG, category) for category in Category],
]
FAMILIES: list[type[b.Family]] = [
    r.ReportsPage,
    r.ReportsMenu,
    r.OpenReport,
    r.CardButton,
    r.CardCategory,
]


@pytest.mark.parametrize("button", OURS, ids=lambda button: button.encode())
def test_round_trip_within_64_bytes_and_one_family(button: b.Family) -> None:
    data = button.encode()
    assert len(data.encode("utf-8")) <= 64
    matching = [f for f in [*_families(), *FAMILIES] if f.pattern.match(data) is not None]
    assert matching == [type(button)]
    assert type(button).parse(data) == button  # type: ignore[attr-defined]


def test_the_older_families_match_none_of_ours() -> None:
    for button in EXAMPLES:
        assert not [f for f in FAMILIES if f.pattern.match(button.encode())]


@pytest.mark.parametrize(
    "data",
    [
        "rl:1:11:0:0:0:0:n",  # no 11th status
        "rl:1:0:10:0:0:0:n",
        "rl:1:0:0:7:0:0:n",
        "rl:1:0:0:0:2:0:n",
        "rl:1:0:0:0:0:0:x",
        "rl:1:0:0:0:0:0",
        "rl:１:0:0:0:0:0:n",
        "rm:z:0:0:0:0:0:n",
        "c:1:1:zz",
        "c:1:1:cat:nothing",
    ],
)
def test_forged_data_fits_no_family(data: str) -> None:
    assert not [f for f in [*_families(), *FAMILIES] if f.pattern.match(data) is not None]


def test_typed_filters() -> None:
    assert parse_args([]) == (ReportFilter(), None)
    assert parse_args(["overdue"]) == (ReportFilter(overdue=True), None)
    assert parse_args(["OLDEST", "overdue"]) == (
        ReportFilter(overdue=True, newest_first=False),
        None,
    )
    where, slug = parse_args(
        ["status=in_progress", "category=walls", "department=greening", "community=xinhua-road"]
    )
    assert where == ReportFilter(
        status=ReportStatus.IN_PROGRESS, category=Category.WALLS, department=Department.GREENING
    )
    assert slug == "xinhua-road"
    for wrong in (["status=done"], ["colour=red"], ["overdue=1"], ["community="], ["soon"]):
        with pytest.raises(ValueError, match="."):
            parse_args(wrong)
