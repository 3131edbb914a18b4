"""Static files (the app's and Bootstrap-Flask's): versioned URLs, cached for a year, sent
compressed; pages sent compressed too."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from tests.helpers import PASSWORD, new_user
from tests.browser import browser, text  # noqa: F401

YEAR = 365 * 24 * 3600
ASSET = re.compile(r'(?:href|src)="(/(?:bootstrap/)?static/[^"?]+)\?v=([0-9a-f]{12})"')


def _assets(body: str) -> dict[str, str]:
    return dict(ASSET.findall(body))


def test_pages_link_static_files_by_a_version_of_their_content(browser, app):
    body = text(browser(new_user("organiser", "LDLD-79", password=PASSWORD)).get("/cases"))
    assets = _assets(body)
    assert "/static/casework.css" in assets
    assert "/bootstrap/static/css/bootstrap.min.css" in assets
    assert any(path.endswith(".js") for path in assets)
    # the version is the content's: a changed file gets a new URL
    from casework.static_files import file_version
    css = Path(app.static_folder) / "casework.css"
    assert assets["/static/casework.css"] == file_version(str(css))


@pytest.mark.parametrize("path", ["/static/casework.css",
                                  "/bootstrap/static/css/bootstrap.min.css"])
def test_a_versioned_static_file_is_cached_for_a_year(client, browser, path):
    body = text(browser(new_user("organiser", "LDLD-79", password=PASSWORD)).get("/cases"))
    version = _assets(body)[path]
    response = client.get(f"{path}?v={version}")
    assert response.status_code == 200
    cache = response.cache_control
    assert cache.public and cache.max_age == YEAR and cache.immutable and not cache.no_cache
    response.close()
    # unversioned, or an old version: checked again every time
    for url in (path, f"{path}?v=000000000000"):
        response = client.get(url)
        assert response.cache_control.max_age != YEAR and response.cache_control.no_cache
        response.close()


def test_static_files_and_pages_are_sent_compressed(client, browser, app):
    bootstrap = Path(app.blueprints["bootstrap"].static_folder) / "css" / "bootstrap.min.css"
    raw = bootstrap.read_bytes()
    response = client.get("/bootstrap/static/css/bootstrap.min.css",
                          headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    sent = response.get_data()
    assert brotli.decompress(sent) == raw
    assert len(sent) < len(raw) / 5
    response = client.get("/static/casework.css", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()) == (Path(app.static_folder)
                                                     / "casework.css").read_bytes()
    # the pages too
    b = browser(new_user("organiser", "LDLD-79", password=PASSWORD))
    page = b.get("/cases", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(page.get_data())
    # and nothing for a client that does not ask
    assert "Content-Encoding" not in b.get("/cases").headers
