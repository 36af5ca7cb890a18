"""知识库: citizens and operators search it; units maintain their own articles, which
reach citizens once the centre approves them (``knowledge.articles``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hotline.errors import ActionError
from hotline.knowledge.articles import approve_article, may_approve, save_article
from hotline.knowledge.models import Article, Category
from hotline.knowledge.search import search
from hotline.org.models import Role, User
from hotline.web.forms import ArticleForm
from hotline.web.views.common import error_page, pager, paginate, safe_next

SEARCH_LIMIT = 30


def kb_index(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:200]
    category = request.GET.get("category") or ""
    if category not in Category.values:
        category = ""
    hits = search(q, limit=SEARCH_LIMIT, category=category) if q else None
    # A question is answered by search hits; without one the articles are listed.
    listed = None if hits is not None else paginate(request, _visible(category))
    context = {"q": q, "category": category, "categories": Category.choices, "hits": hits}
    return render(request, "web/kb/index.html", {**context, **pager(request, listed)})


def _visible(category: str) -> QuerySet[Article]:
    qs = Article.objects.visible().order_by("category", "title").only("id", "title", "category", "body")
    return qs.filter(category=category) if category else qs


def kb_article(request: HttpRequest, article_id: int) -> HttpResponse:
    article = Article.objects.visible().select_related("owner_unit").filter(pk=article_id).first()
    if article is None:
        return error_page(request, 404, "该知识条目不存在、未发布或已失效。")
    return render(request, "web/kb/article.html", {"article": article})


def _editable(user: User) -> QuerySet[Article]:
    """Admins edit every article; a unit's users only their own unit's."""
    qs = Article.objects.select_related("owner_unit", "approved_by")
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    if user.unit_id is None:
        return qs.none()
    return qs.filter(owner_unit_id=user.unit_id)


def _listed(user: User) -> QuerySet[Article]:
    """What the maintenance list shows: the centre's staff, who approve, see every article."""
    if may_approve(user):
        return Article.objects.select_related("owner_unit", "approved_by")
    return _editable(user)


@login_required
def kb_manage(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    q = (request.GET.get("q") or "").strip()[:100]
    pending = request.GET.get("pending") == "1"
    qs = _listed(user).order_by("-updated_at", "-id")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(keywords__icontains=q))
    if pending:
        qs = qs.filter(approved_at__isnull=True)
    page = paginate(request, qs)
    editable = set(
        _editable(user).filter(pk__in=[a.pk for a in page.object_list]).values_list("pk", flat=True)
    )
    context = {"q": q, "pending": pending, "approver": may_approve(user), "editable": editable}
    return render(request, "web/kb/manage.html", {**pager(request, page), **context})


@login_required
@require_POST
def kb_approve(request: HttpRequest, article_id: int) -> HttpResponse:
    """审核通过: the centre's staff let an article out to citizens (a recorded act)."""
    user: User = request.user  # type: ignore[assignment]
    if not may_approve(user):
        return error_page(request, 403, "只有热线中心的工作人员可以审核知识条目。")
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return error_page(request, 404, "知识条目不存在。")
    try:
        approve_article(article, user)
    except ActionError as exc:
        return error_page(request, exc.status, exc.message)
    messages.success(request, f"已审核通过「{article.title}」,市民现在可以查到它")
    return redirect(safe_next(request, "/kb/manage/?pending=1"))


@login_required
def kb_edit(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    article = None
    if article_id is not None:
        article = _editable(user).filter(pk=article_id).first()
        if article is None:
            return error_page(request, 404, "知识条目不存在,或不属于您的单位。")
    elif user.unit_id is None and not user.is_superuser:
        return error_page(request, 403, "您未隶属任何单位,不能新建知识条目。")
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST":
        if form.is_valid():
            obj = form.save(commit=False)
            if article is None:
                obj.owner_unit_id = user.unit_id
            save_article(obj, by=user)
            if obj.approved:
                messages.success(request, f"已保存并审核通过知识条目「{obj.title}」")
            else:
                messages.success(request, f"已保存知识条目「{obj.title}」,待热线中心审核通过后市民可见")
            return redirect("/kb/manage/")
        messages.error(request, "请按提示修改后再保存。")
        context = {"form": form, "article": article, "approver": may_approve(user)}
        return render(request, "web/kb/edit.html", context, status=422)
    return render(
        request, "web/kb/edit.html", {"form": form, "article": article, "approver": may_approve(user)}
    )
