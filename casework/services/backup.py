"""Consistent backups: SQLite's online backup API, PostgreSQL's pg_dump (one snapshot)."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from casework.i18n import _


class BackupFailed(Exception):
    pass


def default_backup_path(url: sa.URL, folder: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite" if url.get_backend_name() == "sqlite" else "dump"
    return folder / f"casework-{stamp}.{suffix}"


def backup_database(url: sa.URL | str, target: Path) -> Path:
    url = sa.make_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    backend = url.get_backend_name()
    if backend == "sqlite":
        source = sqlite3.connect(url.database)
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(destination)  # a consistent copy while the app keeps writing
            destination.close()
        finally:
            source.close()
        return target
    if backend == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupFailed(_("pg_dump is not installed (Debian package postgresql-client)"))
        libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", libpq_url],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupFailed(result.stderr.strip() or _("pg_dump failed"))
        return target
    raise BackupFailed(_("No backup method for %(backend)s", backend=backend))
