from django.urls import path

from . import views

urlpatterns = [
    path("wechat/", views.wechat_server, name="channels-wechat"),
    path("police/", views.police_link, name="channels-police"),
    path("sms/", views.sms_inbound, name="channels-sms"),
    path("sms/report/", views.sms_report, name="channels-sms-report"),
]
