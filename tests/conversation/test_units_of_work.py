"""One unit of work per update: a resident's whole report conversation, counted on the engine
(benchmarks/units_of_work.py prints the same figures)."""

from __future__ import annotations

import pytest

from benchmarks.units_of_work import UnitsOfWork, measure, report_conversation, summary
from botapi_sandbox import Person, make_photo
from tests.conftest import DATABASES
from tests.conversation.conftest import Bot

#: Statements the same conversation ran before each update became one operation (commit
#: d118ce9, measured with benchmarks/units_of_work.py): 69 in 40 units of work.
STATEMENTS_BEFORE = 69


@pytest.mark.parametrize("bot_database_url", DATABASES, indirect=True)
async def test_each_update_writes_in_one_unit_of_work_and_half_the_statements(
    bot: Bot, resident: Person
) -> None:
    counter = UnitsOfWork(bot.engine)
    try:
        steps = report_conversation(make_photo(seed=1))
        figures = await measure(resident, counter, steps, bot.sandbox.settle)
    finally:
        counter.close()
    too_many_writes = {f.update: f.writes for f in figures if f.writes > 1}
    assert too_many_writes == {}, "at most one write transaction per update"
    # The caller's read and the step are one unit (storage/db.py `hold`), except for a photo,
    # whose download comes between them and ends the read (bot/update_unit.py).
    assert {f.update: f.transactions for f in figures if f.transactions != 1} == {"photo": 2}
    total = summary(figures)
    assert total["statements"] < STATEMENTS_BEFORE / 2, figures
    assert total["write_transactions"] == 6  # every update but /myreports
