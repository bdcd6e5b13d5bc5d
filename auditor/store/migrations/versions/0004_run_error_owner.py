"""runs: error (why a run failed or was aborted) and owner (the process running it, for the reaper)

Revision ID: 0004_run_end
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_run_end'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('owner', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('owner')
        batch_op.drop_column('error')
