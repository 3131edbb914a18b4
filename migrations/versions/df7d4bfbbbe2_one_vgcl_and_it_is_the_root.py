"""the VGCL is the root of the organisation tree and the only unit of its type

Revision ID: df7d4bfbbbe2
Revises: e5a8c2f4b913
Create Date: 2026-12-01 19:00:00

National powers come from being the root (casework.authz.national). Two constraints keep the
tree honest: a unit is of type `vgcl` exactly when it has no parent (ck_org_units_root_is_vgcl),
and at most one unit has no parent (uq_org_units_one_root). A database where an administrator
already typed a unit `vgcl` below the root is not changed behind anyone's back: the upgrade
stops and names the units to give their real type first.
"""
from alembic import op
import sqlalchemy as sa

from casework.sqlite_rebuild import foreign_keys_off


# revision identifiers, used by Alembic.
revision = 'df7d4bfbbbe2'
down_revision = 'e5a8c2f4b913'
branch_labels = None
depends_on = None

ROOT_IS_VGCL = ("(type = 'vgcl' AND parent_id IS NULL) OR "
                "(type <> 'vgcl' AND parent_id IS NOT NULL)")


def upgrade():
    wrong = op.get_bind().execute(sa.text(
        f"SELECT code FROM org_units WHERE NOT ({ROOT_IS_VGCL}) ORDER BY code")).scalars().all()
    roots = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM org_units WHERE parent_id IS NULL")).scalar()
    if wrong or roots > 1:
        raise RuntimeError(
            "Only the root of the organisation tree may be of type 'vgcl', the root must be, and "
            f"there is one root. These units break it: {', '.join(wrong) or '(several roots)'}. "
            "Give each its real type and parent (for example: UPDATE org_units SET type = "
            "'commune_union' WHERE code = '...'), then run the upgrade again.")
    with foreign_keys_off(op):
        with op.batch_alter_table('org_units', schema=None) as batch_op:
            batch_op.create_check_constraint(op.f('ck_org_units_root_is_vgcl'), ROOT_IS_VGCL)
            batch_op.create_index('uq_org_units_one_root', ['type'], unique=True,
                                  sqlite_where=sa.text('parent_id IS NULL'),
                                  postgresql_where=sa.text('parent_id IS NULL'))


def downgrade():
    with foreign_keys_off(op):
        with op.batch_alter_table('org_units', schema=None) as batch_op:
            batch_op.drop_index('uq_org_units_one_root', sqlite_where=sa.text('parent_id IS NULL'),
                                postgresql_where=sa.text('parent_id IS NULL'))
            batch_op.drop_constraint(op.f('ck_org_units_root_is_vgcl'), type_='check')
