"""flask commands: seed reference, users create/token/revoke, demo seed, import enterprises,
notify, backup, tallies rebuild (membership rebuild: cli_membership), the job worker and scheduler, and db grant-app-role."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from casework.extensions import db
from casework.models import User
from casework.errors import DomainError
from casework.schemas.limits import IMPORT_BATCH_SIZES, START_ROWS

seed_cli = AppGroup("seed", help="Reference data.")
users_cli = AppGroup("users", help="Users and API tokens.")
demo_cli = AppGroup("demo", help="Demonstration data.")
import_cli = AppGroup("import", help="Bulk imports.")


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
@click.option("--scale", type=click.Choice(["demo", "national"]), default="demo",
              show_default=True, help="national: 34 provinces, ~300 units, 2,000 users, "
              "200,000 cases, 2,000,000 steps (bulk inserts, for benchmarks; --cases ignored)")
def demo_seed_command(cases, if_empty, scale):
    """A believable demo: users of each role, cases across provinces and states."""
    from casework.models import Case
    from casework.seed.demo import DEMO_PASSWORD, demo_logins, seed_demo
    if if_empty and db.session.scalar(sa.select(sa.func.count(Case.id))):
        click.echo("Cases already present: no demo data added.")
        logins = demo_logins()
    elif scale == "national":
        from casework.seed.national import CASES, EMAIL_DOMAIN, AlreadySeeded, seed_national
        with click.progressbar(length=CASES, label="Seeding national data", show_eta=True,
                               show_percent=True) as bar:
            try:
                report = seed_national(progress=bar.update)
            except AlreadySeeded as exc:
                db.session.rollback()
                raise click.ClickException(str(exc))
        click.echo(f"{report.provinces} provinces, {report.units} units added, "
                   f"{report.users} users, {report.cases} cases, {report.enterprises} "
                   f"enterprises, {report.steps} steps, {report.audit} audit rows.")
        click.echo("States: " + ", ".join(f"{k} {v}" for k, v in sorted(report.states.items())))
        click.echo(f"Users: <role><id>@{EMAIL_DOMAIN}, password {DEMO_PASSWORD}")
        return
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


@import_cli.command("enterprises")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--unit", "unit_code", required=True,
              help="Code of the unit that will manage the cases, e.g. LDLD-79")
@click.option("--user", "email", default=None, envvar="CASEWORK_IMPORT_USER",
              help="Email of the organiser or supervisor importing (recorded in the history "
                   "and assigned the cases); or set CASEWORK_IMPORT_USER. Without it the "
                   "history records the system as the importer and the cases are unassigned "
                   "(unless --organiser)")
@click.option("--organiser", default=None,
              help="Assign the cases to this organiser (email) instead of the importer")
@click.option("--start-row", type=click.IntRange(*START_ROWS), default=None,
              help="Resume: skip the rows before this one (as a spreadsheet numbers them)")
@click.option("--batch-size", type=click.IntRange(*IMPORT_BATCH_SIZES), default=1_000,
              show_default=True, help="Rows written and committed together")
def import_enterprises_command(file, unit_code, email, organiser, start_row, batch_size):
    """Create an `identified` grassroots case for each enterprise of a CSV or XLSX FILE.

    Columns (header names in English or Vietnamese, any case, with or without diacritics):
    name, tax_code, province (code or name), workforce, and optionally ownership, sector,
    address, women, foreign_workers. Rejected and skipped rows, with their reasons, are
    written to FILE.rejected.csv."""
    from pathlib import Path

    from casework.services.imports import (RejectedRowsCsv, check_importer, import_enterprises,
                                           open_source)
    user = _user_or_fail(email) if email else None
    if user is not None and not user.active:
        raise click.ClickException(f"The user {email} is not active")
    try:
        check_importer(user, unit_code)
        source = open_source(file)
    except DomainError as exc:
        _fail(exc)
    rejected_path = Path(f"{file}.rejected.csv")
    with source, click.progressbar(length=source.total or 0, label="Importing",
                                   show_percent=True, show_eta=True) as bar:
        sink = RejectedRowsCsv(rejected_path, append=bool(start_row))
        done = 0

        def advance(position: int) -> None:
            nonlocal done
            bar.update(max(position - done, 0))
            done = position

        try:
            report = import_enterprises(source, user, unit_code, rejected=sink,
                                        start_row=start_row, batch_size=batch_size,
                                        organiser=organiser, file_label=Path(file).name,
                                        progress=advance)
        except DomainError as exc:
            sink.close()
            if not start_row:
                rejected_path.unlink(missing_ok=True)
            _fail(exc)
        finally:
            sink.close()
    if report.ignored_columns:
        click.echo("Ignored columns: " + ", ".join(report.ignored_columns))
    click.echo(f"Rows {report.start_row}-{report.committed_up_to} of {file} "
               f"(header on row {report.header_row}): {report.created} case(s) created, "
               f"{report.skipped} duplicate(s) skipped, {report.rejected} row(s) rejected"
               + (f", {report.blank} blank row(s)" if report.blank else "") + ".")
    for rejection in report.sample[:10]:
        click.echo(f"  row {rejection.row}: {rejection.reason}")
    if report.skipped + report.rejected > 10:
        click.echo(f"  ... {report.skipped + report.rejected - 10} more")
    if report.skipped or report.rejected:
        click.echo(f"Every rejected or skipped row, with its reason: {rejected_path}")
    elif not start_row:
        rejected_path.unlink(missing_ok=True)
    if report.failed:
        raise click.ClickException(
            f"{report.failed}\ncommitted up to row {report.committed_up_to}; resume with "
            f"--start-row {report.resume_row}")


notify_cli = AppGroup("notify", help="Notifications by email.")


@notify_cli.command("overdue")
def notify_overdue_command():
    """One digest per person of their overdue recognition deadlines and stuck cases (today),
    once a day like the scheduler's job; nothing is sent when nothing is overdue."""
    from casework import jobs
    from casework.services.escalation import escalate
    from casework.services.notifications import daily_overdue_digest
    escalated = escalate()     # first: the digest lists what it escalated
    db.session.commit()
    if escalated:
        click.echo(f"{len(escalated)} case(s) escalated to the unit above.")
    made = daily_overdue_digest()
    if made is None:
        db.session.rollback()
        click.echo("Today's digest was made already; nothing sent.")
        return
    if not made:
        db.session.rollback()
        click.echo("Nothing overdue.")
        return
    db.session.commit()        # which queues their emails, as a request's commit does
    jobs.wait_for_threads()    # without Redis a thread of this command sends them: wait for it
    sent = sum(n.emailed_at is not None for n in made)
    waiting = f", {len(made) - sent} queued" if sent < len(made) else ""
    click.echo(f"Notified {len(made)} people; {sent} email(s) sent{waiting}.")


@notify_cli.command("send")
def notify_send_command():
    """Email every notification not emailed yet (retrying earlier failures)."""
    from casework.mail import deliver_unsent
    sent = deliver_unsent()
    click.echo(f"{sent} email(s) sent.")


tallies_cli = AppGroup("tallies", help="The case tallies the leadership pipeline reads.")


@tallies_cli.command("rebuild")
def tallies_rebuild_command():
    """Recount the case tallies from the cases (a repair: they are kept up to date with every
    change, and the migration fills them)."""
    from casework.services.tallies import rebuild
    rows = rebuild()
    db.session.commit()
    click.echo(f"Recounted the case tallies: {rows} rows.")


jobs_cli = AppGroup("jobs", help="Background jobs on Redis (REDIS_URL).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queues are empty")
def jobs_worker_command(burst):
    """Run queued jobs (imports, exports, email) until stopped. SIGTERM lets the job in hand
    finish first; start as many workers, on as many machines, as the load needs."""
    from casework import jobs
    try:
        jobs.work(burst=burst)
    except RuntimeError as exc:
        raise click.ClickException(str(exc))


@jobs_cli.command("sweep")
def jobs_sweep_command():
    """Mark failed the jobs left `running` by a process that died (not heard of for
    JOB_STALE_AFTER seconds). Workers and the scheduler do it too; without Redis, run it from
    cron."""
    from casework.tasks import sweep_stale_jobs
    click.echo(f"Marked {sweep_stale_jobs()} job(s) failed whose process had ended.")


@jobs_cli.command("scheduler")
def jobs_scheduler_command():
    """Queue the periodic jobs (the overdue digest, OVERDUE_DIGEST_CRON) as they fall due.
    Run one scheduler for the whole installation."""
    from casework import jobs
    try:
        jobs.schedule()
    except RuntimeError as exc:
        raise click.ClickException(str(exc))


@click.command("grant-app-role")
@click.argument("role")
def grant_app_role_command(role):
    """Give ROLE, a PostgreSQL role that owns nothing, only what the app needs: read and write
    the app's tables, only read and append to the audit history, no TRUNCATE, no DDL. Run it as
    the owner of the tables (who runs `flask db upgrade`), after every upgrade."""
    from casework.db_roles import RoleRefused, grant_app_role
    try:
        with db.engine.begin() as conn:
            statements = grant_app_role(conn, role)
    except RoleRefused as exc:
        raise click.ClickException(str(exc))
    click.echo(f"{role}: {len(statements)} statements; the app may now connect as {role}.")


def register(app: Flask) -> None:
    from flask_migrate.cli import db as migrate_cli
    migrate_cli.add_command(grant_app_role_command)  # `flask db grant-app-role`, beside upgrade
    app.cli.add_command(jobs_cli)
    app.cli.add_command(tallies_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(import_cli)
    from casework.cli_applications import applications_cli
    app.cli.add_command(applications_cli)
    from casework.cli_membership import membership_cli
    app.cli.add_command(membership_cli)
