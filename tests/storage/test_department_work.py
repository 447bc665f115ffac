"""A department's side of a report, on SQLite and PostgreSQL: the card queued with the move
that routes the report (to the right chats, once per report and chat), and the working
group's "received" and "done, with photo"."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from botapi_sandbox import make_photo
from storage.department_work import (
    DEPARTMENT_CARD,
    finish,
    look,
    queue_cards,
    receive,
)
from storage.groups import link_chat, unlink_chat
from storage.media import store_photo
from storage.models import (
    ChatKind,
    Community,
    OutboxMessage,
    Person,
    Report,
    ReportEvent,
    ReportNote,
    ReportStatus,
)
from storage.reports import AfterPhoto
from storage.triage import Scope, move
from tests.factories import NOW, make_community, make_person, make_report

S = ReportStatus


async def link(
    session: AsyncSession,
    chat_id: int,
    *,
    kind: ChatKind = ChatKind.DEPARTMENT,
    department: str | None = "sanitation",
    community: Community | None = None,
) -> None:
    await link_chat(
        session,
        chat_id=chat_id,
        kind=kind,
        community_id=None if community is None else community.id,
        department=department if kind == ChatKind.DEPARTMENT else None,
        locale="zh",
        by=None,
        now=NOW,
    )


async def cards(session: AsyncSession) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == DEPARTMENT_CARD)
    return list((await session.exec(query.order_by(col(OutboxMessage.chat_id)))).all())


async def routed(
    session: AsyncSession, tmp_path: Path, community: Community, department: str = "sanitation"
) -> tuple[Report, Person]:
    """A report of `community` accepted by its planner to `department`."""
    planner = await make_person(session, community=community)
    report = await make_report(
        session, media_dir=tmp_path, reporter=await make_person(session, community=community)
    )
    assert report.id is not None
    moved = await move(
        session,
        scope=Scope(planner.id or 0, (community.id or 0,)),
        report_id=report.id,
        version=report.version,
        to=S.ACCEPTED,
        now=NOW,
        hours=48,
        department=department,
    )
    return moved.report, planner


async def test_the_card_goes_to_the_departments_chats_of_its_community_or_all(
    session: AsyncSession, tmp_path: Path
) -> None:
    xinhua, caojiadu = await make_community(session), await make_community(session)
    await link(session, -101, community=xinhua)  # sanitation, this community
    await link(session, -102)  # sanitation, every community
    await link(session, -103, community=caojiadu)  # sanitation, another community
    await link(session, -104, department="greening", community=xinhua)
    await link(session, -105, kind=ChatKind.COMMITTEE, community=xinhua)
    await link(session, -106, community=xinhua)
    await unlink_chat(session, chat_id=-106)  # no longer linked
    report, _ = await routed(session, tmp_path, xinhua)

    queued = await cards(session)
    assert [row.chat_id for row in queued] == [-102, -101]
    for row in queued:
        assert row.params["report_id"] == report.id
        assert row.params["version"] == report.version, "the buttons act on this version"
        assert row.params["status"] == "accepted"
        assert row.params["department"] == "sanitation"
        assert row.params["photo"], "the report's first photo"
        assert row.not_before == NOW


async def test_a_card_is_queued_once_per_report_and_chat(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    await link(session, -201, community=community)
    report, _ = await routed(session, tmp_path, community)
    assert len(await cards(session)) == 1
    assert await queue_cards(session, report=report, now=NOW) == 0
    await link(session, -202)  # a chat linked since gets its card; the first none again
    assert await queue_cards(session, report=report, now=NOW) == 1
    assert [row.chat_id for row in await cards(session)] == [-202, -201]


async def test_a_department_without_a_chat_gets_nothing(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    await link(session, -301, community=community)  # sanitation only
    report, _ = await routed(session, tmp_path, community, department="greening")
    assert report.status == S.ACCEPTED
    assert report.department == "greening"
    assert await cards(session) == []


async def test_received_then_done_with_photo_from_planned(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    await link(session, -401, community=community)
    report, _ = await routed(session, tmp_path, community)
    assert report.id is not None
    member = await make_person(session, community=community)
    member.first_name = "张师傅"
    session.add(ReportNote(report_id=report.id, at=NOW, kind="note", text="planners only"))
    before = len((await session.exec(select(OutboxMessage))).all())

    got = await receive(
        session, chat_id=-401, report_id=report.id, version=report.version, person=member, now=NOW
    )
    assert got.refusal is None
    assert got.card is not None
    assert got.card.params["status"] == "planned"
    assert got.card.params["log"] == [["received", "张师傅"]], "no internal note on the card"
    version = int(got.card.params["version"])

    photo = AfterPhoto(store_photo(make_photo(seed=5), media_dir=tmp_path), "after-id", "after-u")
    done = await finish(
        session,
        chat_id=-401,
        report_id=report.id,
        version=version,
        person=member,
        photo=photo,
        now=NOW,
    )
    assert done.card is not None
    assert done.card.params["status"] == "resolved"
    events = (
        await session.exec(
            select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(col(ReportEvent.id))
        )
    ).all()
    assert [(e.from_status, e.to_status, e.actor_id) for e in events[-3:]] == [
        ("accepted", "planned", member.id),
        ("planned", "in_progress", member.id),
        ("in_progress", "resolved", member.id),
    ]
    told = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert [(m.kind, m.params.get("status"), m.params.get("photo")) for m in told[before:]] == [
        ("status", "planned", None),
        ("status", "resolved", "after-id"),  # in_progress is passed through, not told
        ("rate", None, None),
    ]
    notes = (await session.exec(select(ReportNote).where(ReportNote.kind == "department"))).all()
    assert [(n.old_value, n.text, n.author_id) for n in notes] == [
        ("received", "张师傅", member.id),
        ("done", "张师傅", member.id),
    ]


async def test_presses_are_refused_from_other_chats_when_stale_and_out_of_turn(
    session: AsyncSession, tmp_path: Path
) -> None:
    xinhua, caojiadu = await make_community(session), await make_community(session)
    await link(session, -501, community=xinhua)
    await link(session, -502, department="greening", community=xinhua)
    await link(session, -503, community=caojiadu)  # sanitation, another community
    report, _ = await routed(session, tmp_path, xinhua)
    assert report.id is not None
    member = await make_person(session, community=xinhua)
    for chat_id in (-502, -503, -999):  # another department, community, or no link at all
        pressed = await receive(
            session,
            chat_id=chat_id,
            report_id=report.id,
            version=report.version,
            person=member,
            now=NOW,
        )
        assert pressed.refusal is not None
        assert pressed.refusal.code == "not_permitted"
        assert pressed.card is None, "nothing of the report is shown elsewhere"

    version = report.version
    early = await look(session, chat_id=-501, report_id=report.id, version=version, ready=True)
    assert early.refusal is not None
    assert early.refusal.code == "not_allowed", "done before it was received"
    assert early.card is not None
    assert early.card.params["status"] == "accepted"

    old = report.version
    await receive(session, chat_id=-501, report_id=report.id, version=old, person=member, now=NOW)
    again = await receive(
        session, chat_id=-501, report_id=report.id, version=old, person=member, now=NOW
    )
    assert again.refusal is not None
    assert again.refusal.code == "stale"
    assert again.card is not None
    assert again.card.params["status"] == "planned", "the card as it stands, to show again"
    stored = await session.get(Report, report.id)
    assert stored is not None
    assert stored.status == S.PLANNED
