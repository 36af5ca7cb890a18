from django.urls import path

from . import views

urlpatterns = [
    path("wechat/", views.wechat_server, name="channels-wechat"),
    path("police/", views.police_link, name="channels-police"),
]
