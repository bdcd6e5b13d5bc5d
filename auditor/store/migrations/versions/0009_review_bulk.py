"""先整改 / 已整改: fix_claims (a site owner's «已整改» answer to a finding, verified by the next run)

Self-contained (one new table, nothing else changes), so it can be re-chained after another 0008_* on merge.

Revision ID: 0009_review_bulk
Revises: 0008_users_admin
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_review_bulk'
down_revision = '0008_users_admin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fix_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('site_url', sa.String(length=1000), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('indicator', sa.String(length=100), nullable=False),
    sa.Column('page_url', sa.String(length=2000), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('finding_ref', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fix_claims', schema=None) as batch_op:
        batch_op.create_index('ix_fix_claims_site_time', ['site_url', 'created_at'], unique=False)
        batch_op.create_index('ix_fix_claims_fingerprint', ['fingerprint'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fix_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_fix_claims_fingerprint')
        batch_op.drop_index('ix_fix_claims_site_time')
    op.drop_table('fix_claims')
