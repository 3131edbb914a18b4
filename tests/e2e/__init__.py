"""End-to-end tests in a real browser: `tests.e2e`, a package inside the suite's package, so its
conftest (`tests.e2e.conftest`) does not shadow tests/conftest.py."""
