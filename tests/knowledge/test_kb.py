"""知识库: jieba full-text search, visibility, the unit editor, the centre's approval and
the admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.errors import Forbidden
from hotline.knowledge.articles import APPROVE, approve_article, save_article, text_digest
from hotline.knowledge.models import Article, ArticleTerm
from hotline.knowledge.search import search, tokens
from hotline.knowledge.seed import ARTICLES
from tests.web.helpers import client_for

pytestmark = pytest.mark.django_db


def approved(**fields: Any) -> Article:
    """An article the centre has approved, saved by the platform (which keeps the approval)."""
    return save_article(Article(approved_at=timezone.now(), **fields))


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
    approved(
        title="旧的渡口船票政策",
        body="渡口船票半价",
        keywords="渡口",
        published=True,
        valid_to=today - timedelta(days=1),
    )
    approved(
        title="未来的渡口政策",
        body="渡口船票免费",
        keywords="渡口",
        published=True,
        valid_from=today + timedelta(days=1),
    )
    approved(title="渡口草稿", body="渡口", keywords="渡口", published=False)
    save_article(Article(title="渡口待审", body="渡口船票", keywords="渡口", published=True))  # not approved
    assert search("渡口") == []
    current = approved(title="渡口船票", body="渡口船票全价", keywords="渡口", published=True)
    assert [h.article for h in search("渡口")] == [current]


def test_edit_reindexes() -> None:
    article = approved(title="临时条目", body="关于甲乙丙", keywords="", published=True)
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
    draft = approved(title="草稿", body="内部", published=False)
    assert client.get(f"/kb/{draft.pk}/").status_code == 404
    pending = save_article(Article(title="待审核", body="内部", published=True))
    assert client.get(f"/kb/{pending.pk}/").status_code == 404


def test_kb_page_query_count(client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(4):
        client.get("/kb/", {"q": "社保卡补办"})
    with django_assert_max_num_queries(3):
        client.get("/kb/")


def test_unit_users_edit_only_their_units_articles(org: Any) -> None:
    own = approved(title="住建局的条目", body="物业维修资金使用", owner_unit=org.a_housing, published=True)
    other = approved(title="别的单位", body="内容", owner_unit=org.b_housing, published=True)
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
    # The unit's new text waits for the centre: searchable only once approved again.
    assert not own.approved and search("维修资金怎么用") == []
    approve_article(own, org.admin)
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


def _unit_writes(client: Client, title: str = "渡船时刻表", **fields: Any) -> Article:
    data = {
        "category": "交通出行",
        "title": title,
        "keywords": "渡船 时刻",
        "body": "渡船每日八点开航",
        "published": "on",
    }
    assert client.post("/kb/manage/new/", {**data, **fields}).status_code == 302
    return Article.objects.get(title=title)


def test_a_units_article_is_a_draft_until_the_centre_approves_it(org: Any, client: Client) -> None:
    from hotline.audit.models import Event

    unit = client_for(org.a_housing_handler)
    article = _unit_writes(unit)
    assert not article.approved
    # Nowhere public: the article page, the list, search, the portal's landing, intake's suggestions.
    assert client.get(f"/kb/{article.pk}/").status_code == 404
    assert article not in client.get("/kb/", {"category": "交通出行"}).context["page"].object_list
    assert "渡船时刻表" not in client.get("/kb/", {"q": "渡船几点开"}).content.decode()
    assert search("渡船几点开") == []
    assert "渡船时刻表" not in client.get("/").content.decode()
    suggestions = client_for(org.operator).post("/intake/suggest/", {"text": "请问渡船几点开航"})
    assert "渡船时刻表" not in suggestions.content.decode()
    # The unit sees its draft waiting; it may not approve, nor may a county's leader.
    assert "待中心审核" in unit.get("/kb/manage/").content.decode()
    for user in (org.a_housing_handler, org.a_leader):
        refused = client_for(user).post(f"/kb/manage/{article.pk}/approve/")
        assert refused.status_code == 403
    with pytest.raises(Forbidden, match="只有热线中心"):
        approve_article(article, org.a_leader)
    assert not Event.objects.filter(action=APPROVE).exists()
    article.refresh_from_db()
    assert not article.approved
    # The centre's staff see it among the pending and approve it: a recorded act.
    centre = client_for(org.operator)
    pending = centre.get("/kb/manage/", {"pending": "1"}).context["page"].object_list
    assert [a.pk for a in pending] == [article.pk]
    assert centre.post(f"/kb/manage/{article.pk}/approve/").status_code == 302
    article.refresh_from_db()
    assert article.approved and article.approved_by == org.operator
    event = Event.objects.get(action=APPROVE)
    assert event.ticket is None and event.actor == org.operator and event.actor_role == "operator"
    assert event.payload == {
        "article": article.pk,
        "title": "渡船时刻表",
        "text_sha256": text_digest(article),
    }
    # Now public everywhere; approving again records nothing more.
    assert "渡船每日八点开航" in client.get(f"/kb/{article.pk}/").content.decode()
    assert search("渡船几点开")[0].article == article
    assert centre.post(f"/kb/manage/{article.pk}/approve/").status_code == 302
    assert Event.objects.filter(action=APPROVE).count() == 1
    assert client.post(f"/kb/manage/{article.pk}/approve/").status_code == 302  # anonymous: to the login
    assert centre.post("/kb/manage/999999/approve/").status_code == 404
    assert centre.get(f"/kb/manage/{article.pk}/approve/").status_code == 405


def test_a_units_edit_sends_an_approved_article_back_and_a_centre_save_approves(org: Any) -> None:
    from hotline.audit.models import Event

    unit = client_for(org.a_housing_handler)
    article = approve_article(_unit_writes(unit), org.admin)
    fields = {"category": "交通出行", "title": "渡船时刻表", "keywords": "渡船", "published": "on"}
    assert unit.post(f"/kb/manage/{article.pk}/", {**fields, "body": "渡船每日九点开航"}).status_code == 302
    article.refresh_from_db()
    assert not article.approved and search("渡船几点开") == []
    # The centre's admin edits and saves: approved as saved, with the digest of the new text.
    admin = client_for(org.admin)
    assert "保存即审核通过" in admin.get(f"/kb/manage/{article.pk}/").content.decode()
    assert admin.post(f"/kb/manage/{article.pk}/", {**fields, "body": "渡船每日十点开航"}).status_code == 302
    article.refresh_from_db()
    assert article.approved and article.approved_by == org.admin
    last = Event.objects.filter(action=APPROVE).order_by("-seq").first()
    assert last is not None and last.payload["text_sha256"] == text_digest(article)
    assert search("渡船几点开")[0].article == article


def test_the_seeded_articles_count_as_approved(org: Any) -> None:
    from django.core.management import call_command

    titles = [a["title"] for a in ARTICLES]
    assert Article.objects.filter(title__in=titles, approved_at__isnull=True).count() == 0
    Article.objects.filter(title=titles[0]).delete()
    call_command("kb", "seed", stdout=__import__("io").StringIO())
    assert Article.objects.get(title=titles[0]).approved
    assert Article.objects.visible().filter(title__in=titles).count() == len(ARTICLES)


def test_the_admin_approves_with_an_action(org: Any) -> None:
    from hotline.audit.models import Event

    article = _unit_writes(client_for(org.a_housing_handler))
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    admin = client_for(org.admin)
    listing = admin.get("/admin/knowledge/article/", {"approval": "pending"}).content.decode()
    assert "渡船时刻表" in listing and "社保卡丢失或损坏如何补办" not in listing
    form = {"action": "approve", "_selected_action": [article.pk]}
    assert admin.post("/admin/knowledge/article/", form).status_code == 302
    article.refresh_from_db()
    assert article.approved and Event.objects.filter(action=APPROVE, actor=org.admin).count() == 1


@pytest.mark.parametrize(
    "complaint",
    [
        "晚上广场上跳舞的音响太吵了,孩子没法写作业,希望有关部门处理一下",
        "楼下饭店油烟和噪音很大,已经找过相关部门,一直没解决,孩子要上学休息不好",
        "隔壁工地晚上施工噪音扰民,孩子报名考试在即,请部门管一下",
    ],
)
def test_a_noise_complaint_brings_up_the_noise_guide_only(complaint: str) -> None:
    # Words like 部门 or 报名 match the school-enrolment guide too; below the relevance bar
    # (a title or keyword word, and half the best score) it is not offered.
    titles = [h.article.title for h in search(complaint, limit=3)]
    assert titles == ["噪声扰民投诉处理途径"]


def test_only_body_words_in_common_is_no_answer() -> None:
    assert search("城关镇河西村附近的工厂往河里排黑水,请环保部门查处", limit=3) == []
