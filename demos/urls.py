from django.urls import path

from . import views
from .api import api

urlpatterns = [
    path("api/", api.urls),
    path("runs/<int:run_id>/", views.run_detail, name="demo_run"),
]
