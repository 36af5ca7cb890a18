from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from hotline.api import api

admin.site.site_header = "12345 政务服务便民热线平台 · 管理后台"
admin.site.site_title = "12345 热线管理"

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("admin/", admin.site.urls),
    path("analytics/", include("hotline.analytics.urls")),
    path("open311/v2/", include("hotline.open311.urls")),
    path("channels/", include("hotline.channels.urls")),
    path("", include("hotline.web.urls")),
]

# Django's own error answers, in zh-CN in the platform's layout (hotline.web.views.errors).
handler400 = "hotline.web.views.errors.bad_request"
handler403 = "hotline.web.views.errors.permission_denied"
handler404 = "hotline.web.views.errors.page_not_found"
handler500 = "hotline.web.views.errors.server_error"
