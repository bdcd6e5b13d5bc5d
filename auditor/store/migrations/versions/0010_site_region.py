"""sites.region (地区): the region a site belongs to, for the trend per region and the 通报

Revision ID: 0010_site_region
Revises: 0009_review_bulk
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_site_region'
down_revision = '0009_review_bulk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sites') as b:
        b.add_column(sa.Column('region', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sites') as b:
        b.drop_column('region')
