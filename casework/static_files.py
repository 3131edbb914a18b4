"""Static files, the app's and Bootstrap-Flask's (/bootstrap/static): linked by a version of
their content (`?v=<hash>`), cached for a year under that URL, and sent compressed, like
every other text response (Flask-Compress; README says why this library).

A changed file gets a new URL, so the browser never keeps an old copy, and it asks for an
unchanged one never again; a URL without the current version is revalidated every time. In
production nginx serves the same files the same way (docs/deployment.md).
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, request
from werkzeug.security import safe_join

STATIC_ENDPOINTS = ("static", "bootstrap.static")
CACHE_SECONDS = 365 * 24 * 3600


def init_static_files(app: Flask) -> None:
    from casework.extensions import compress
    # the static files are streamed (send_file): they are compressed as a stream, and answer
    # a conditional request with 304 once compressed
    app.config.setdefault("COMPRESS_STREAMING_ENDPOINT_CONDITIONAL", list(STATIC_ENDPOINTS))
    # gzip too: the one every client takes (the library's default for streams leaves it out)
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["zstd", "br", "gzip", "deflate"])
    compress.init_app(app)
    app.url_defaults(_versioned)
    app.after_request(_cached_for_a_year)


def _folder(endpoint: str) -> str | None:
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint.partition(".")[0])
    return blueprint.static_folder if blueprint is not None else None


def file_version(path: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of the file (None: no such file)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _hashed(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _hashed(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:12]


def _version_of(endpoint: str, filename: str | None) -> str | None:
    folder = _folder(endpoint)
    path = safe_join(folder, filename) if folder and filename else None
    return file_version(path) if path else None


def _versioned(endpoint: str, values: dict) -> None:
    """url_for("static", filename=...) and Bootstrap-Flask's links get `v`."""
    if endpoint in STATIC_ENDPOINTS and "v" not in values:
        version = _version_of(endpoint, values.get("filename"))
        if version:
            values["v"] = version


def _cached_for_a_year(response):
    if (request.endpoint in STATIC_ENDPOINTS and response.status_code in (200, 304)
            and request.args.get("v")
            and request.args["v"] == _version_of(request.endpoint,
                                                 (request.view_args or {}).get("filename"))):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_SECONDS
        response.cache_control.immutable = True
    return response
