"""Articles found by meaning (dense.py): a question that shares no word with the right article still gets it, with
the semantic reranker on; the scope rules hold for these candidates too; with the reranker off nothing changes."""

import pytest

from upstream.core.testing import make_agent, make_team
from upstream.kb.models import Visibility
from upstream.kb.search import dense, semantic
from upstream.kb.search.index import rebuild
from upstream.kb.search.query import scope_for, search
from upstream.kb.tests.factories import make_article

pytestmark = pytest.mark.django_db

# jieba cuts 退钱 ("get money back") and 退款 ("refund") as different words: no term in common.
QUESTION = "能退钱吗"


@pytest.fixture
def knowledge_base():
    if not semantic.enabled():
        pytest.skip("the embedding model is not installed")
    agent = make_agent(make_team("Support"))
    refund = make_article(
        by=agent,
        title="退款政策",
        body="合同期内取消订阅，按剩余月份比例退款，七个工作日内原路返回。",
        language="zh-hans",
    )
    invoice = make_article(
        by=agent,
        title="如何申请增值税专用发票",
        body="在客户门户的账单页面填写开票信息，提交后三个工作日内开具。",
        language="zh-hans",
    )
    upgrade = make_article(
        by=agent,
        title="升级 PostgreSQL 大版本",
        body="使用 pg_upgrade 或逻辑复制完成跨版本升级，先在测试环境演练。",
        language="zh-hans",
    )
    internal = make_article(
        by=agent,
        title="退款审批内部流程",
        body="财务在系统中审批退款申请。",
        language="zh-hans",
        visibility=Visibility.INTERNAL,
    )
    rebuild()  # tests do not commit: the on-commit indexing task never runs
    semantic.backfill()
    dense.clear()
    yield {"refund": refund, "invoice": invoice, "upgrade": upgrade, "internal": internal}
    dense.clear()


def test_the_words_alone_find_nothing(knowledge_base):
    assert search(QUESTION, scope=scope_for(None), rerank=False, log=False).hits == []


def test_with_the_reranker_the_article_is_found_by_meaning(knowledge_base):
    result = search(QUESTION, scope=scope_for(None), log=False)
    assert result.hits and result.hits[0].object_id == knowledge_base["refund"].id
    assert result.hits[0].lexical == 0.0 and result.hits[0].semantic is not None


def test_an_internal_article_is_never_a_candidate_for_a_visitor(knowledge_base):
    ids = {hit.object_id for hit in search("退款审批", scope=scope_for(None), log=False).hits}
    assert knowledge_base["internal"].id not in ids
    staff = make_agent(make_team("Finance"))
    assert knowledge_base["internal"].id in {hit.object_id for hit in search("退款审批", user=staff, log=False).hits}


def test_the_language_filter_applies_to_them(knowledge_base):
    english_only = scope_for(None, language="en")
    assert search(QUESTION, scope=english_only, log=False).hits == []


def test_an_article_without_stored_vectors_is_left_to_its_words(knowledge_base):
    from upstream.kb.search.models import Document

    Document.objects.filter(kind="article", object_id=knowledge_base["refund"].id).update(embedding=None)
    dense.clear()
    ids = [hit.object_id for hit in search(QUESTION, scope=scope_for(None), log=False).hits]
    assert knowledge_base["refund"].id not in ids


def test_a_knowledge_base_over_the_cap_is_left_to_its_words(knowledge_base, monkeypatch):
    monkeypatch.setattr(dense, "MAX_VECTORS", 1)
    dense.clear()
    assert search(QUESTION, scope=scope_for(None), log=False).hits == []


def test_the_backfill_job_embeds_articles_before_anything_else(indexed, monkeypatch):
    if not semantic.enabled():
        pytest.skip("the embedding model is not installed")
    from upstream.kb.search import tasks
    from upstream.kb.search.models import Document

    indexed(1, "Older document of another kind", "indexed first, so first in id order")
    article = make_article(by=make_agent(make_team("Support")), title="退款政策", body="按剩余月份比例退款。")
    rebuild("article")
    monkeypatch.setattr(semantic, "BACKFILL_SECONDS", 0.0)  # one batch, then the budget is spent
    tasks.embed_backfill.call()
    embedded = set(Document.objects.filter(embedding__isnull=False).values_list("kind", "object_id"))
    assert ("article", article.id) in embedded and ("t_article", 1) not in embedded


def test_a_question_close_to_nothing_gets_no_candidates_by_meaning(knowledge_base):
    assert search("zzzz qqqq", scope=scope_for(None), log=False).hits == []


def test_an_article_made_internal_is_not_offered_from_a_stale_matrix(knowledge_base):
    from upstream.kb.search.models import Document

    assert search(QUESTION, scope=scope_for(None), log=False).hits  # the matrix is loaded, facts as they were
    Document.objects.filter(kind="article", object_id=knowledge_base["refund"].id).update(visibility="internal")
    assert dense._CACHE.matrix is not None and "public" in dense._CACHE.matrix.visibility  # not read again
    ids = {hit.object_id for hit in search(QUESTION, scope=scope_for(None), log=False).hits}
    assert knowledge_base["refund"].id not in ids
