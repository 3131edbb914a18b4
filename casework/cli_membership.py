"""`flask membership ...`: the membership tallies' commands (issue 14)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

membership_cli = AppGroup("membership", help="The membership tallies the progress pages read.")


@membership_cli.command("rebuild")
def rebuild_command():
    """Recount both membership tallies: the reports' (per managing unit, province and month,
    from the current reports) and the live unions' (per managing unit and province, from the
    unions). A repair: they are kept with every report, founding, transfer and dissolution;
    run it when no report is being entered (a report written meanwhile may count twice)."""
    from casework.extensions import db
    from casework.services.membership_tallies import rebuild, rebuild_unions
    reports, unions = rebuild(), rebuild_unions()
    db.session.commit()
    click.echo(f"Recounted the membership tallies: {reports} report rows, "
               f"{unions} union rows.")
