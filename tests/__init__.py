"""The test suite, a package: its modules import one another as `tests.<module>`
(`from tests.helpers import new_user`), the one import style of the suite."""
