"""sites.region (地区): the region a site belongs to, for the trend per region and the 通报

Revision ID: 0008_site_region
Revises: 0007_a11y_judgements
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_site_region'
down_revision = '0007_a11y_judgements'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sites') as b:
        b.add_column(sa.Column('region', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sites') as b:
        b.drop_column('region')
