"""A small knowledge base and its readers: an anonymous visitor, a customer contact, an agent and an admin; one
published article per visibility, a draft and one in review."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from upstream.accounts.models import User
from upstream.core.testing import make_admin, make_agent, make_contact, make_org, make_product
from upstream.customers.models import Contact, Product
from upstream.kb.models import Article, Category, Status, Visibility
from upstream.kb.tests.factories import make_article, make_category


@dataclass
class KbWorld:
    agent: User
    admin: User
    customer: Contact
    product: Product
    category: Category
    public: Article
    customers_only: Article
    internal: Article
    draft: Article
    in_review: Article

    @property
    def customer_user(self) -> User:
        assert self.customer.user is not None
        return self.customer.user


@pytest.fixture
def kb_world(db) -> KbWorld:
    agent, admin = make_agent(), make_admin()
    customer = make_contact(make_org())
    product = make_product("Nimbus DB")
    category = make_category("Troubleshooting", name_zh="故障排查")

    def article(title: str, visibility: str, status: str = Status.PUBLISHED) -> Article:
        return make_article(
            by=agent, title=title, visibility=visibility, status=status, category=category, products=[product]
        )

    return KbWorld(
        agent=agent,
        admin=admin,
        customer=customer,
        product=product,
        category=category,
        public=article("Public replication guide", Visibility.PUBLIC),
        customers_only=article("Customers upgrade guide", Visibility.CUSTOMERS),
        internal=article("Internal corruption runbook", Visibility.INTERNAL),
        draft=article("Draft about backups", Visibility.PUBLIC, Status.DRAFT),
        in_review=article("Review about failover", Visibility.PUBLIC, Status.REVIEW),
    )
