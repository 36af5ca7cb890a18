from django.urls import path

from hotline.analytics import views

app_name = "analytics"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("export/kpis.xlsx", views.export_kpis, name="export-kpis"),
    path("export/drill.xlsx", views.export_drill, name="export-drill"),
]
