"""The benchmark's own helpers (the benchmark itself runs outside the suite: bench/run.py)."""
from bench.run import parse_args, percentile


def test_percentiles_interpolate_between_ranks():
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile(list(range(1, 101)), 0.95) == 95.05
    assert percentile([7], 0.95) == 7


def test_quick_run_and_database_choice():
    args = parse_args(["--quick", "--databases", "sqlite"])
    assert (args.iterations, args.import_rows) == (30, 10_000)
    assert [t.name for t in args.targets] == ["sqlite"]
