"""Generated data for trying the app and measuring it, kept apart from the services it calls.

`demo` walks a few hundred believable cases through the real services (`flask demo seed`);
`national` writes a country-sized data set with set-based INSERTs for the benchmarks
(`flask demo seed --scale national`, bench/run.py). Only the CLI command, the benchmarks and the
tests import this package; the services never do.
"""
