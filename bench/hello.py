"""The bare Flask "hello" app the case list's throughput is compared with (same gunicorn)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
