from django.urls import path, re_path

from . import views
from .api import api, api_not_found

urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("runs/compare/", views.compare, name="demo_compare"),
    path("runs/<str:public_id>/", views.run_detail, name="demo_run"),
    path("runs/<str:public_id>/data.csv", views.run_csv, name="demo_run_csv"),
    path("runs/<str:public_id>/reproduce.sh", views.run_script, name="demo_run_script"),
]
