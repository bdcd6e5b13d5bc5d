"""runs.purpose (official 正式检查 / self_check 自查 / partial 抽查页面) and runs.started_by

Revision ID: 0006_run_purpose
Revises: 0005_session_generation
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_run_purpose'
down_revision = '0005_session_generation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs') as b:
        b.add_column(sa.Column('purpose', sa.String(length=20), nullable=False, server_default='official'))
        b.add_column(sa.Column('started_by', sa.String(length=80), nullable=True))
    # Runs before this revision: a whole-site run was an auditor's audit; a run of chosen pages was partial.
    op.execute("UPDATE runs SET purpose = 'partial' WHERE kind <> 'site'")


def downgrade() -> None:
    with op.batch_alter_table('runs') as b:
        b.drop_column('started_by')
        b.drop_column('purpose')
