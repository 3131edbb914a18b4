"""The app's clock: Vietnam's dates, moved per context (demo history) or per process (this suite)."""
from datetime import datetime, timezone

from casework import clock


def test_the_suite_runs_on_a_morning_clock_so_today_cannot_change_mid_run():
    local = clock.now().astimezone(clock.VIETNAM)
    assert 9 <= local.hour < 23          # started at 09:00; a run would have to last 14 hours
    assert clock.today() == local.date()


def test_travel_to_wins_over_the_process_shift_and_ends_with_its_block():
    moment = datetime(2025, 3, 31, 16, 30, tzinfo=timezone.utc)   # 23:30 in Hà Nội
    before = clock.today()
    with clock.travel_to(moment):
        assert clock.now() == moment
        assert clock.today().isoformat() == "2025-03-31"
    assert clock.today() == before
