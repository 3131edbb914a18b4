"""The app's clock: Vietnam's dates, moved per context (demo history) or per process (this suite)."""
import importlib.util
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests import conftest
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


def test_importing_the_conftest_again_leaves_the_suite_clock_alone():
    # test_migrations.py once imported `tests.conftest`, a second copy of the conftest module whose
    # module code re-shifted the clock from the already shifted one: the suite ran on the real clock
    before = clock.moved()
    spec = importlib.util.spec_from_file_location("conftest_again", Path(conftest.__file__))
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert clock.moved() == before


def test_a_moved_clock_is_reported_and_put_back_to_the_suite_clock():
    suite = clock.moved()
    clock.shift(timedelta(0))
    left_open = clock.travel_to(datetime(2025, 3, 31, 16, 30, tzinfo=timezone.utc))
    left_open.__enter__()                                                  # and never exited
    leak = conftest.restore_suite_clock()
    assert "travel_to 2025-03-31 16:30:00+00:00" in leak and "process shift 0:00:00" in leak
    assert clock.moved() == suite == (conftest._suite_shift, None)
    assert conftest.restore_suite_clock() is None
