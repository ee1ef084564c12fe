from django.urls import path

from . import embed, views

# Pages a visitor reads in a language: seminar_site/urls.py puts them under i18n_patterns
# (English without a prefix, as before; Chinese under /zh-hans/).
localized_urlpatterns = [
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("search/", views.search, name="search"),
    path("embed/talks/", embed.upcoming_talks, name="embed_talks"),
]

urlpatterns = [
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
