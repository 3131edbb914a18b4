"""flask commands: seed reference, users create/token/revoke, demo seed."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from casework.extensions import db
from casework.models import User
from casework.services import DomainError

seed_cli = AppGroup("seed", help="Reference data.")
users_cli = AppGroup("users", help="Users and API tokens.")
demo_cli = AppGroup("demo", help="Demonstration data.")


def _fail(exc: DomainError):
    db.session.rollback()
    raise click.ClickException(exc.message)


@seed_cli.command("reference")
def seed_reference_command():
    """Provinces, the union tree (VGCL, LDLD-<code>, sector unions), public holidays."""
    from casework.services.reference import seed_reference
    counts = seed_reference()
    db.session.commit()
    click.echo("Added {provinces} provinces, {units} units, {holidays} holidays.".format(**counts))


@seed_cli.command("targets")
def seed_targets_command():
    """National targets on the VGCL unit: 1,000,000 new members in 2024 and in 2026, and
    15,000,000 members in the whole system by the end of 2028. Idempotent."""
    from casework.services.targets import seed_national_targets
    try:
        added = seed_national_targets()
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Added {added} national target figure(s).")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", required=True,
              type=click.Choice(["organiser", "supervisor", "leader", "admin"]))
@click.option("--unit", "unit_code", required=True, help="Code of the user's unit, e.g. LDLD-79")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(email, name, role, unit_code, password):
    """Create a user."""
    from casework.services.users import create_user
    try:
        user = create_user(email=email, name=name, role=role, unit_code=unit_code,
                           password=password)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} in {user.unit.code}.")


def _user_or_fail(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user with the email {email}")
    return user


@users_cli.command("token")
@click.argument("email")
@click.option("--days", default=365, show_default=True, help="Days until the token expires")
def token_command(email, days):
    """Issue a new personal API token; it is printed once, as the last line."""
    from casework.services.users import issue_token
    token = issue_token(_user_or_fail(email), days=days)
    db.session.commit()
    click.echo(f"New API token for {email} (keep it secret; it is not shown again):")
    click.echo(token)


@users_cli.command("revoke")
@click.argument("email")
def revoke_command(email):
    """Revoke every API token of a user."""
    from casework.services.users import revoke_tokens
    count = revoke_tokens(_user_or_fail(email))
    db.session.commit()
    click.echo(f"Revoked {count} token(s).")


@demo_cli.command("seed")
@click.option("--cases", default=300, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when cases already exist")
def demo_seed_command(cases, if_empty):
    """A believable demo: users of each role, cases across provinces and states."""
    from casework.models import Case
    from casework.services.demo import DEMO_PASSWORD, demo_logins, seed_demo
    if if_empty and db.session.scalar(sa.select(sa.func.count(Case.id))):
        click.echo("Cases already present: no demo data added.")
        logins = demo_logins()
    else:
        logins = seed_demo(cases=cases)
        db.session.commit()
    if not logins:
        return
    click.echo(f"Demo logins (password for each: {DEMO_PASSWORD}):")
    for email, role, unit in logins:
        click.echo(f"  {role:<10} {unit:<12} {email}")


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: instance/backups/casework-<time>.sqlite|dump)")
def backup_command(output):
    """Write a consistent backup of the database (SQLite online backup, or pg_dump)."""
    from pathlib import Path

    from flask import current_app

    from casework.services.backup import BackupFailed, backup_database, default_backup_path
    url = db.engine.url
    target = Path(output) if output else default_backup_path(
        url, Path(current_app.instance_path) / "backups")
    try:
        written = backup_database(url, target)
    except BackupFailed as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Backup written to {written}")


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
