"""知识库: jieba full-text search, visibility, the unit editor and the admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.knowledge.articles import save_article
from hotline.knowledge.models import Article, ArticleTerm
from hotline.knowledge.search import search, tokens
from hotline.knowledge.seed import ARTICLES
from tests.web.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seeded(db: Any) -> None:
    """The seed migration's articles (a transactional test elsewhere may have flushed them)."""
    from hotline.knowledge.seed import seed_articles

    seed_articles(Article, ArticleTerm)


def test_seeded_articles_are_indexed() -> None:
    assert len(ARTICLES) >= 20
    assert Article.objects.filter(published=True).count() == len(ARTICLES)
    assert ArticleTerm.objects.filter(term="社保卡").exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("我的社保卡丢了怎么办", "社保卡丢失或损坏如何补办"),
        ("公积金怎么取出来", "住房公积金提取条件和办理方式"),
        ("小孩刚出生怎么上医保", "新生儿如何参加城乡居民医保"),
        ("楼下工地晚上施工太吵了", "噪声扰民投诉处理途径"),
        ("社保转到外省", "养老保险关系跨省转移接续"),
        ("办房产证", "不动产登记(房产证)办理流程"),
    ],
)
def test_search_finds_the_right_answer(query: str, expected: str) -> None:
    hits = search(query, limit=3)
    assert hits and hits[0].article.title == expected, [h.article.title for h in hits]


def test_tokens_drop_stopwords() -> None:
    words = tokens("请问怎么办理居住证?")
    assert "居住证" in words and "怎么" not in words and "请问" not in words


def test_search_only_visible_articles() -> None:
    today = timezone.localdate()
    save_article(
        Article(
            title="旧的渡口船票政策",
            body="渡口船票半价",
            keywords="渡口",
            published=True,
            valid_to=today - timedelta(days=1),
        )
    )
    save_article(
        Article(
            title="未来的渡口政策",
            body="渡口船票免费",
            keywords="渡口",
            published=True,
            valid_from=today + timedelta(days=1),
        )
    )
    save_article(Article(title="渡口草稿", body="渡口", keywords="渡口", published=False))
    assert search("渡口") == []
    current = save_article(Article(title="渡口船票", body="渡口船票全价", keywords="渡口", published=True))
    assert [h.article for h in search("渡口")] == [current]


def test_edit_reindexes() -> None:
    article = save_article(Article(title="临时条目", body="关于甲乙丙", keywords="", published=True))
    assert not search("萤火虫")
    article.body = "萤火虫观赏季的交通安排"
    save_article(article)
    assert search("萤火虫")[0].article == article


def test_search_query_count(django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(3):
        search("社保卡补办需要什么材料")


def test_public_kb_pages(client: Client) -> None:
    response = client.get("/kb/")
    assert response.status_code == 200 and len(response.context["page"].object_list) == 20
    assert response.context["page"].paginator.count == Article.objects.visible().count()
    html = client.get("/kb/", {"q": "居住证怎么办"}).content.decode()
    assert "居住证办理条件和所需材料" in html
    assert "没有找到" in client.get("/kb/", {"q": "火星移民"}).content.decode()
    assert client.get("/kb/", {"category": "教育"}).context["page"].paginator.count == 2
    article = Article.objects.get(title="居住证办理条件和所需材料")
    assert "居住登记" in client.get(f"/kb/{article.pk}/").content.decode()
    draft = save_article(Article(title="草稿", body="内部", published=False))
    assert client.get(f"/kb/{draft.pk}/").status_code == 404


def test_kb_page_query_count(client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(4):
        client.get("/kb/", {"q": "社保卡补办"})
    with django_assert_max_num_queries(3):
        client.get("/kb/")


def test_unit_users_edit_only_their_units_articles(org: Any) -> None:
    own = save_article(
        Article(title="住建局的条目", body="物业维修资金使用", owner_unit=org.a_housing, published=True)
    )
    other = save_article(Article(title="别的单位", body="内容", owner_unit=org.b_housing, published=True))
    client = client_for(org.a_housing_handler)
    listing = client.get("/kb/manage/").context["page"].object_list
    assert [a.pk for a in listing] == [own.pk]
    assert client.get(f"/kb/manage/{other.pk}/").status_code == 404
    assert client.post(f"/kb/manage/{other.pk}/", {"title": "改"}).status_code == 404
    response = client.post(
        f"/kb/manage/{own.pk}/",
        {
            "category": "城市生活",
            "title": "物业专项维修资金",
            "keywords": "维修资金 物业",
            "body": "申请使用维修资金的流程",
            "published": "on",
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title == "物业专项维修资金" and own.updated_by == org.a_housing_handler
    assert search("维修资金怎么用")[0].article == own


def test_new_article_belongs_to_the_users_unit(org: Any) -> None:
    client = client_for(org.a_housing_handler)
    assert client.get("/kb/manage/new/").status_code == 200
    data = {
        "category": "其他",
        "title": "新条目",
        "keywords": "",
        "body": "正文",
        "valid_from": "2025-02-01",
        "valid_to": "2025-01-01",
    }
    response = client.post("/kb/manage/new/", data)
    assert response.status_code == 422 and "失效日期不能早于生效日期" in response.content.decode()
    assert not Article.objects.filter(title="新条目").exists()
    response = client.post("/kb/manage/new/", {**data, "valid_to": ""})
    assert response.status_code == 302
    assert Article.objects.get(title="新条目").owner_unit == org.a_housing


def test_admin_edits_everything(org: Any) -> None:
    other = save_article(Article(title="别的单位", body="内容", owner_unit=org.b_housing))
    client = client_for(org.admin)
    assert client.get(f"/kb/manage/{other.pk}/").status_code == 200
    assert client.get("/kb/manage/").context["page"].paginator.count == Article.objects.count()


def test_kb_manage_requires_login(client: Client) -> None:
    assert client.get("/kb/manage/").status_code == 302


def test_django_admin_registration(org: Any) -> None:
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client = client_for(org.admin)
    html = client.get("/admin/knowledge/article/").content.decode()
    assert "知识库" in html and "社保卡丢失或损坏如何补办" in html
    article = Article.objects.first()
    assert article is not None
    assert client.get(f"/admin/knowledge/article/{article.pk}/change/").status_code == 200
