"""Slot generation: weekly hours, leave and closures, public holidays, permanences, bookings,
daylight-saving changes in Europe/Paris and a site in America/Martinique."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.booking.availability import (
    Agenda,
    CounsellorWeek,
    PermanenceSession,
    WeeklyBlock,
    free_slots,
    is_public_holiday,
    spread,
)
from bot.booking.slots import Slot, SlotRef
from bot.core.vocabulary import AppointmentKind

PARIS = ZoneInfo("Europe/Paris")
MARTINIQUE = ZoneInfo("America/Martinique")
DURATIONS = {
    AppointmentKind.ON_SITE: 45,
    AppointmentKind.PERMANENCE: 30,
    AppointmentKind.PHONE: 30,
    AppointmentKind.VIDEO: 30,
}
ALL = frozenset(AppointmentKind)


def week(
    counsellor_id: int = 1,
    *,
    timezone: str = "Europe/Paris",
    region: str | None = None,
    days: tuple[int, ...] = (0, 1, 2, 3, 4),
    starts: time = time(9),
    ends: time = time(12),
    kinds: frozenset[AppointmentKind] = frozenset({AppointmentKind.ON_SITE}),
) -> CounsellorWeek:
    return CounsellorWeek(
        counsellor_id=counsellor_id,
        site_id=10,
        timezone=timezone,
        holiday_region=region,
        blocks=tuple(WeeklyBlock(day, starts, ends, kinds) for day in days),
    )


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def local_starts(slots: list[Slot], zone: ZoneInfo = PARIS) -> list[str]:
    return [s.starts_at.astimezone(zone).strftime("%a %d %H:%M") for s in slots]


def one_day(zone: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    return start, start + timedelta(days=1)


def test_weekly_hours_give_back_to_back_slots_that_fit_the_block() -> None:
    agenda = Agenda((week(),), (), {}, DURATIONS)
    slots = free_slots(agenda, {AppointmentKind.ON_SITE}, *one_day(PARIS, date(2026, 12, 8)))

    # 9:00-12:00 with 45-minute appointments: 9:00, 9:45, 10:30; 11:15 would end at 12:00 too.
    assert local_starts(slots) == ["Tue 08 09:00", "Tue 08 09:45", "Tue 08 10:30", "Tue 08 11:15"]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=45) for s in slots)
    assert {s.timezone for s in slots} == {"Europe/Paris"}


def test_no_slot_on_a_day_without_hours_nor_outside_the_period() -> None:
    agenda = Agenda((week(days=(1,)),), (), {}, DURATIONS)
    start = at(PARIS, 2026, 12, 8, 10, 0)  # Tuesday 10:00: earlier slots are gone
    slots = free_slots(agenda, {AppointmentKind.ON_SITE}, start, start + timedelta(days=6))

    assert local_starts(slots) == ["Tue 08 10:30", "Tue 08 11:15"]


def test_each_kind_of_a_block_gets_its_own_length() -> None:
    agenda = Agenda(
        (week(kinds=frozenset({AppointmentKind.ON_SITE, AppointmentKind.PHONE})),),
        (),
        {},
        DURATIONS,
    )
    day = one_day(PARIS, date(2026, 12, 8))

    phone = free_slots(agenda, {AppointmentKind.PHONE}, *day)
    assert local_starts(phone)[:3] == ["Tue 08 09:00", "Tue 08 09:30", "Tue 08 10:00"]
    assert len(phone) == 6
    assert {s.kind for s in free_slots(agenda, ALL, *day)} == {
        AppointmentKind.ON_SITE,
        AppointmentKind.PHONE,
    }
    assert free_slots(agenda, {AppointmentKind.VIDEO}, *day) == []


def test_leave_and_site_closures_remove_the_slots_they_overlap() -> None:
    leave = (at(PARIS, 2026, 12, 8, 9, 30), at(PARIS, 2026, 12, 8, 10, 30))
    agenda = Agenda((week(),), (), {1: [leave]}, DURATIONS)
    slots = free_slots(agenda, {AppointmentKind.ON_SITE}, *one_day(PARIS, date(2026, 12, 8)))

    # 9:00-9:45 and 9:45-10:30 overlap the leave; 10:30 starts when it ends.
    assert local_starts(slots) == ["Tue 08 10:30", "Tue 08 11:15"]


def test_a_booked_quarter_blocks_every_slot_overlapping_it_whatever_its_kind() -> None:
    quarter = (at(PARIS, 2026, 12, 8, 9, 30), at(PARIS, 2026, 12, 8, 9, 45))
    kinds = frozenset({AppointmentKind.ON_SITE, AppointmentKind.PHONE})
    agenda = Agenda((week(kinds=kinds),), (), {1: [quarter]}, DURATIONS)
    slots = free_slots(agenda, kinds, *one_day(PARIS, date(2026, 12, 8)))

    assert "Tue 08 09:00" not in local_starts(
        [s for s in slots if s.kind is AppointmentKind.ON_SITE]
    )
    assert local_starts([s for s in slots if s.kind is AppointmentKind.PHONE])[:2] == [
        "Tue 08 09:00",
        "Tue 08 10:00",
    ]


def test_public_holidays_have_no_slot_and_depend_on_the_territory() -> None:
    # 25 December is a holiday everywhere; 22 May (abolition of slavery) only in Martinique.
    paris = Agenda((week(),), (), {}, DURATIONS)
    assert free_slots(paris, {AppointmentKind.ON_SITE}, *one_day(PARIS, date(2026, 12, 25))) == []

    martinique = Agenda((week(timezone="America/Martinique", region="972"),), (), {}, DURATIONS)
    assert (
        free_slots(martinique, {AppointmentKind.ON_SITE}, *one_day(MARTINIQUE, date(2026, 5, 22)))
        == []
    )
    assert free_slots(paris, {AppointmentKind.ON_SITE}, *one_day(PARIS, date(2026, 5, 22))) != []
    assert is_public_holiday(date(2026, 5, 22), "972")
    assert not is_public_holiday(date(2026, 5, 22), None)


def test_slots_keep_their_wall_clock_time_across_the_spring_change_in_paris() -> None:
    # Clocks go forward on Sunday 29 March 2026: 9:00 is 08:00 UTC on Friday, 07:00 UTC on Monday.
    agenda = Agenda((week(days=(0, 4)),), (), {}, DURATIONS)
    start = at(PARIS, 2026, 3, 27, 0, 0)
    slots = free_slots(agenda, {AppointmentKind.ON_SITE}, start, start + timedelta(days=4))
    firsts = [s for s in slots if s.starts_at.astimezone(PARIS).time() == time(9)]

    assert [s.starts_at for s in firsts] == [
        datetime(2026, 3, 27, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
    ]


def test_slots_keep_their_wall_clock_time_across_the_autumn_change_in_paris() -> None:
    # Clocks go back on Sunday 25 October 2026: 9:00 is 07:00 UTC before, 08:00 UTC after.
    agenda = Agenda((week(days=(4, 0)),), (), {}, DURATIONS)
    start = at(PARIS, 2026, 10, 23, 0, 0)
    slots = free_slots(agenda, {AppointmentKind.ON_SITE}, start, start + timedelta(days=4))

    assert local_starts(slots)[0] == "Fri 23 09:00"
    assert slots[0].starts_at == datetime(2026, 10, 23, 7, 0, tzinfo=UTC)
    monday = [s for s in slots if s.starts_at.astimezone(PARIS).day == 26]
    assert monday[0].starts_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_a_wall_clock_time_skipped_by_the_change_gives_no_slot() -> None:
    # A (strange) Sunday night block 1:30-3:30 on 29 March: 2:00-3:00 does not exist in Paris.
    block = week(
        days=(6,), starts=time(1, 30), ends=time(3, 30), kinds=frozenset({AppointmentKind.PHONE})
    )
    agenda = Agenda((block,), (), {}, DURATIONS)
    slots = free_slots(agenda, {AppointmentKind.PHONE}, *one_day(PARIS, date(2026, 3, 29)))

    assert local_starts(slots) == ["Sun 29 01:30", "Sun 29 03:00"]
    assert slots[1].starts_at - slots[0].starts_at == timedelta(minutes=30)  # one real hour less


def test_a_site_in_martinique_is_reckoned_in_martinique_time() -> None:
    # Martinique is UTC-4 all year: 8:30 there is 12:30 UTC, whatever Paris does.
    agenda = Agenda(
        (week(timezone="America/Martinique", region="972", starts=time(8, 30)),), (), {}, DURATIONS
    )
    for day in (date(2026, 3, 27), date(2026, 3, 30), date(2026, 12, 8)):
        slots = free_slots(agenda, {AppointmentKind.ON_SITE}, *one_day(MARTINIQUE, day))
        assert slots[0].starts_at == datetime.combine(day, time(12, 30), tzinfo=UTC)
        assert slots[0].timezone == "America/Martinique"
        assert slots[0].starts_at.astimezone(MARTINIQUE).date() == day


def test_a_permanence_offers_its_own_slots_and_keeps_its_counsellor_off_the_site() -> None:
    friday = date(2026, 12, 11)
    permanence = PermanenceSession(
        permanence_id=7,
        counsellor_id=1,
        timezone="Europe/Paris",
        starts_at=at(PARIS, 2026, 12, 11, 8, 0),
        ends_at=at(PARIS, 2026, 12, 11, 12, 30),
        slot_minutes=30,
    )
    agenda = Agenda((week(),), (permanence,), {}, DURATIONS)
    slots = free_slots(agenda, ALL, *one_day(PARIS, friday))

    at_permanence = [s for s in slots if s.kind is AppointmentKind.PERMANENCE]
    assert len(at_permanence) == 9  # 8:00 to 12:30 in half-hours
    assert local_starts(at_permanence)[0] == "Fri 11 08:00"
    assert {s.permanence_id for s in at_permanence} == {7}
    # The counsellor is at the permanence all morning: no on-site slot that morning.
    assert [s for s in slots if s.kind is AppointmentKind.ON_SITE] == []


def test_a_booked_permanence_slot_is_not_offered_again() -> None:
    permanence = PermanenceSession(
        7, 1, "Europe/Paris", at(PARIS, 2026, 12, 11, 8, 0), at(PARIS, 2026, 12, 11, 9, 0), 30
    )
    booked = [(at(PARIS, 2026, 12, 11, 8, 0), at(PARIS, 2026, 12, 11, 8, 30))]
    agenda = Agenda((), (permanence,), {1: booked}, DURATIONS)
    slots = free_slots(agenda, {AppointmentKind.PERMANENCE}, *one_day(PARIS, date(2026, 12, 11)))

    assert local_starts(slots) == ["Fri 11 08:30"]


def test_spread_keeps_two_per_day_and_place_and_one_button_per_time() -> None:
    agenda = Agenda((week(1), week(2)), (), {}, DURATIONS)
    start = at(PARIS, 2026, 12, 8, 0, 0)
    slots = free_slots(agenda, {AppointmentKind.ON_SITE}, start, start + timedelta(days=3))
    kept = spread(slots)

    assert len(slots) == 24  # two counsellors, three days, four slots each
    assert local_starts(kept) == [
        "Tue 08 09:00",
        "Tue 08 09:45",
        "Wed 09 09:00",
        "Wed 09 09:45",
        "Thu 10 09:00",
        "Thu 10 09:45",
    ]


def test_slot_codes_round_trip_and_reject_garbage() -> None:
    start = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    slot = Slot(
        AppointmentKind.PHONE, 3, start, start + timedelta(minutes=30), "Europe/Paris", site_id=1
    )
    assert SlotRef.parse(slot.code) == slot.ref
    assert slot.code.startswith("t3.")
    # « zzzzzzzzz » minutes after 1970 is past year 9999: no slot, not an OverflowError.
    for garbage in ("", "x3.abc", "s.abc", "s3.", "s3.ABC!", "s1234567890.a", "t2.zzzzzzzzz"):
        assert SlotRef.parse(garbage) is None
