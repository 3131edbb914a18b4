"""The national-scale benchmark (`python bench/run.py --help`); not part of the test suite."""
