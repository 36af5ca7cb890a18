from django.urls import include, path

from hotline.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The role consoles (dispatcher, unit, supervisor, reviewer, callback, leader).
    path("", include("hotline.web.consoles.urls")),
]
