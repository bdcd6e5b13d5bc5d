"""无障碍评测报告: manual_judgements (人工评测 per run, standard and criterion)

Revision ID: 0007_a11y_judgements
Revises: 0006_run_purpose
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_a11y_judgements'
down_revision = '0006_run_purpose'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('manual_judgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('standard', sa.String(length=20), nullable=False),
    sa.Column('criterion', sa.String(length=20), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_path', sa.String(length=500), nullable=True),
    sa.Column('user', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('manual_judgements', schema=None) as batch_op:
        batch_op.create_index('ix_manual_judgements_run_std', ['run_id', 'standard', 'criterion'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('manual_judgements', schema=None) as batch_op:
        batch_op.drop_index('ix_manual_judgements_run_std')
    op.drop_table('manual_judgements')
