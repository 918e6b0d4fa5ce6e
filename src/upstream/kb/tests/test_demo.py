"""The demo knowledge base: Chinese and English articles about the demo products, loaded through the services."""

import pytest

from upstream.core.testing import make_admin, make_product
from upstream.kb.demo import ARTICLES, load_kb_demo
from upstream.kb.models import Article, Status, Visibility

pytestmark = pytest.mark.django_db


def test_load_twice(db):
    for name in ("PostgreSQL", "Kubernetes", "Keycloak", "Odoo"):
        make_product(name, versions=("15", "16", "26.0", "17.0"))
    admin = make_admin()
    assert load_kb_demo(by=admin) == len(ARTICLES)
    assert load_kb_demo(by=admin) == len(ARTICLES)
    assert Article.objects.count() == len(ARTICLES)
    assert Article.objects.filter(status=Status.DRAFT).count() == 1
    assert Article.objects.filter(visibility=Visibility.INTERNAL).count() == 1
    assert Article.objects.filter(language="zh-hans").exists() and Article.objects.filter(language="en").exists()
    linked = Article.objects.get(title="PostgreSQL 主从复制延迟排查")
    assert Article.objects.filter(translation_group=linked.translation_group).count() == 2
    assert Article.objects.get(title="Diagnosing PostgreSQL replication lag").revisions.count() == 2
