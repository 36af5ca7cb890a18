from django.urls import include, path

from hotline.web.views import home, inbox, intake, kb, portal, search, tickets

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("login/", home.LoginView.as_view(), name="login"),
    path("logout/", home.LogoutView.as_view(), name="logout"),
    path("password/", home.PasswordChangeView.as_view(), name="password"),
    # 消息
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read-all/", inbox.mark_all_read, name="inbox_read_all"),
    path("inbox/<int:notification_id>/read/", inbox.mark_read, name="inbox_read"),
    path("inbox/<int:notification_id>/open/", inbox.open_notification, name="inbox_open"),
    # 受理台
    path("intake/", intake.intake, name="intake"),
    path("intake/suggest/", intake.intake_suggest, name="intake_suggest"),
    path("intake/caller/", intake.intake_caller, name="intake_caller"),
    # 工单详情与动作
    path("tickets/<str:number>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<str:number>/act/<str:action>/", tickets.ticket_act, name="ticket_act"),
    path("tickets/<str:number>/reveal/", tickets.ticket_reveal, name="ticket_reveal"),
    path("tickets/<str:number>/files/<int:attachment_id>/", tickets.attachment, name="ticket_file"),
    # 找工单
    path("search/", search.search_page, name="search"),
    path("search/bulk/", search.bulk_act, name="search_bulk"),
    path("search/filters/", search.save_filter, name="search_filter_save"),
    path("search/filters/<int:filter_id>/delete/", search.delete_filter, name="search_filter_delete"),
    # 知识库
    path("kb/", kb.kb_index, name="kb"),
    path("kb/<int:article_id>/", kb.kb_article, name="kb_article"),
    path("kb/manage/", kb.kb_manage, name="kb_manage"),
    path("kb/manage/new/", kb.kb_edit, name="kb_new"),
    path("kb/manage/<int:article_id>/", kb.kb_edit, name="kb_edit"),
    path("kb/manage/<int:article_id>/approve/", kb.kb_approve, name="kb_approve"),
    # 市民服务
    path("portal/", portal.submit, name="portal"),
    path("portal/submitted/", portal.submitted, name="portal_submitted"),
    path("portal/track/", portal.track, name="portal_track"),
    path("portal/rate/", portal.rate, name="portal_rate"),
    # The role consoles (dispatcher, unit, supervisor, reviewer, callback, leader).
    path("", include("hotline.web.consoles.urls")),
]
