"""web security: users.session_gen (log-out and a new password end every session and token), login_failures
(the log-in limiter's counts when no Redis is configured, shared by all server processes)

Revision ID: 0005_session_generation
Revises: 0004_run_end
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_session_generation'
down_revision = '0004_run_end'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_gen', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_key_at', ['key', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_at')
        batch_op.drop_index('ix_login_failures_key_at')
    op.drop_table('login_failures')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_gen')
