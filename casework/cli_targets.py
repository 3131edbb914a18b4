"""flask seed targets: the VGCL's national goals (DOMAIN.md §1)."""
import click

from casework.cli import seed_cli
from casework.extensions import db
from casework.services import DomainError


@seed_cli.command("targets")
def seed_targets_command():
    """National targets on the VGCL unit: 1,000,000 new members in 2024 and in 2026, and
    15,000,000 members in the whole system by the end of 2028. Idempotent."""
    from casework.services.targets import seed_national_targets
    try:
        added = seed_national_targets()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message)
    db.session.commit()
    click.echo(f"Added {added} national target figure(s).")
