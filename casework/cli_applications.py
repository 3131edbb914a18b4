"""`flask applications ...`: the register's commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

applications_cli = AppGroup("applications", help="The application registers of the cases.")


@applications_cli.command("erase")
def erase_command():
    """Erase the personal data of the applications of every case closed as not feasible at
    least `erase_not_feasible_after_days` ago (the counts and the history stay). Idempotent:
    run it daily (the scheduler does, `flask jobs scheduler`)."""
    from casework.tasks import erase_closed_applications
    click.echo(f"{erase_closed_applications()} applications erased")
