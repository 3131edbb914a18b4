"""The WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""
import gc

from casework import create_app

app = create_app()
# What start-up made (the app, its routes, the models, the modules) lives as long as the process:
# keep it out of the garbage collector's full passes, which otherwise pause a request now and
# then for tens of milliseconds (measured with bench/run.py).
gc.collect()
gc.freeze()
