"""计分 judgements from the web UI: score_judgements (人工核查 and 核减 per run and indicator, with evidence)

User management in the web UI needs no schema change; this revision carries the table the admin/auditor UI
writes. Self-contained: it only creates its own table.

Revision ID: 0008_users_admin
Revises: 0007_a11y_judgements
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_users_admin'
down_revision = '0007_a11y_judgements'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('score_judgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_path', sa.String(length=500), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('user', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('score_judgements', schema=None) as batch_op:
        batch_op.create_index('ix_score_judgements_run', ['run_id', 'indicator', 'kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('score_judgements', schema=None) as batch_op:
        batch_op.drop_index('ix_score_judgements_run')
    op.drop_table('score_judgements')
