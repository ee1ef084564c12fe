from django.urls import path

from . import embed, views

urlpatterns = [
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("search/", views.search, name="search"),
    path("embed/talks/", embed.upcoming_talks, name="embed_talks"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
