from django.urls import path, re_path

from . import views
from .api import api, api_not_found

urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("runs/<str:public_id>/", views.run_detail, name="demo_run"),
]
