from django.urls import path, re_path

from . import views
from .api import api, api_not_found

# Pages a visitor reads in a language: seminar_site/urls.py puts them under i18n_patterns
# (English without a prefix, as before; Chinese under /zh-hans/).
localized_urlpatterns = [
    path("runs/compare/", views.compare, name="demo_compare"),
    path("runs/<str:public_id>/", views.run_detail, name="demo_run"),
]

urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("runs/<str:public_id>/data.csv", views.run_csv, name="demo_run_csv"),
    path("runs/<str:public_id>/reproduce.sh", views.run_script, name="demo_run_script"),
]
