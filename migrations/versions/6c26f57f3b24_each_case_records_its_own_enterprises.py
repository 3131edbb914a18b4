"""each case records its own enterprises

Revision ID: 6c26f57f3b24
Revises: df7d4bfbbbe2
Create Date: 2026-12-01 19:30:00

A case's enterprise data is its own: a new case for a tax code gets new enterprise rows instead
of rewriting the rows an earlier case (closed, in another province) shows.
- enterprises.tax_code is no longer unique (an index instead);
- case_enterprises.tax_code (filled from the enterprise) carries the one-active-case-per-tax-code
  rule: uq_case_enterprises_active_tax_code replaces uq_case_enterprises_active_enterprise;
- an enterprise row belongs to one case (uq_case_enterprises_enterprise_id): a row several cases
  shared is copied for each case but the first. What an earlier case recorded before it was
  overwritten is not known any more; from here on nothing overwrites it.
"""
from alembic import op
import sqlalchemy as sa

from casework.sqlite_rebuild import foreign_keys_off


# revision identifiers, used by Alembic.
revision = '6c26f57f3b24'
down_revision = 'df7d4bfbbbe2'
branch_labels = None
depends_on = None

COPIED = ("name", "tax_code", "province_id", "ownership", "investor_country", "sector",
          "address", "workforce", "workforce_women", "workforce_foreign", "search_text")
ACTIVE = {"sqlite_where": sa.text("active"), "postgresql_where": sa.text("active")}


def _give_each_case_its_own_rows(conn) -> None:
    shared = conn.execute(sa.text(
        "SELECT case_id, enterprise_id FROM case_enterprises WHERE enterprise_id IN "
        "(SELECT enterprise_id FROM case_enterprises GROUP BY enterprise_id "
        "HAVING count(*) > 1) ORDER BY enterprise_id, case_id")).all()
    columns = ", ".join(COPIED)
    first_of = {}
    for case_id, enterprise_id in shared:
        if first_of.setdefault(enterprise_id, case_id) == case_id:
            continue    # the earliest case keeps the row
        copy = conn.execute(sa.text(
            f"INSERT INTO enterprises ({columns}) SELECT {columns} FROM enterprises "
            "WHERE id = :id RETURNING id"), {"id": enterprise_id}).scalar_one()
        conn.execute(sa.text(
            "UPDATE case_enterprises SET enterprise_id = :copy "
            "WHERE case_id = :case AND enterprise_id = :id"),
            {"copy": copy, "case": case_id, "id": enterprise_id})


def upgrade():
    conn = op.get_bind()
    with foreign_keys_off(op):
        with op.batch_alter_table('enterprises', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('uq_enterprises_tax_code'), type_='unique')
            batch_op.create_index(op.f('ix_enterprises_tax_code'), ['tax_code'], unique=False)
        with op.batch_alter_table('case_enterprises', schema=None) as batch_op:
            batch_op.add_column(sa.Column('tax_code', sa.String(length=14), nullable=True))
        conn.execute(sa.text(
            "UPDATE case_enterprises SET tax_code = (SELECT tax_code FROM enterprises "
            "WHERE enterprises.id = case_enterprises.enterprise_id)"))
        _give_each_case_its_own_rows(conn)
        with op.batch_alter_table('case_enterprises', schema=None) as batch_op:
            batch_op.alter_column('tax_code', existing_type=sa.String(length=14),
                                  nullable=False)
            batch_op.drop_index('uq_case_enterprises_active_enterprise', **ACTIVE)
            batch_op.create_index('uq_case_enterprises_active_tax_code', ['tax_code'],
                                  unique=True, **ACTIVE)
            batch_op.create_unique_constraint(op.f('uq_case_enterprises_enterprise_id'),
                                              ['enterprise_id'])


def downgrade():
    # several rows per tax code cannot go back under a unique tax code: keep the newest (the
    # last written, as the old upsert left it) and point every link at it; the others are lost
    conn = op.get_bind()
    with foreign_keys_off(op):
        with op.batch_alter_table('case_enterprises', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('uq_case_enterprises_enterprise_id'), type_='unique')
            batch_op.drop_index('uq_case_enterprises_active_tax_code', **ACTIVE)
        conn.execute(sa.text(
            "UPDATE case_enterprises SET enterprise_id = (SELECT max(e.id) FROM enterprises e "
            "WHERE e.tax_code = case_enterprises.tax_code)"))
        conn.execute(sa.text(
            "DELETE FROM enterprises WHERE id NOT IN (SELECT max(id) FROM enterprises "
            "GROUP BY tax_code)"))
        with op.batch_alter_table('case_enterprises', schema=None) as batch_op:
            batch_op.create_index('uq_case_enterprises_active_enterprise', ['enterprise_id'],
                                  unique=True, **ACTIVE)
            batch_op.drop_column('tax_code')
        with op.batch_alter_table('enterprises', schema=None) as batch_op:
            batch_op.drop_index(op.f('ix_enterprises_tax_code'))
            batch_op.create_unique_constraint(op.f('uq_enterprises_tax_code'), ['tax_code'])
