"""The WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""
from casework import create_app

app = create_app()
