from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from demos.api import api
from talks.public_api import router as talks_api
from talks.sitemap import SiteSitemap
from talks.urls import localized_urlpatterns as talks_localized_urls

# One API, one OpenAPI description: the demos' runs and the public talks (before demos.urls
# below mounts it).
api.add_router("/talks", talks_api)

# Imported after the router is added: demos.urls builds the API's URLs.
from demos.urls import localized_urlpatterns as demos_localized_urls  # noqa: E402

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": SiteSitemap}}, name="sitemap"),
    path("", include("demos.urls")),
    path("", include("talks.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Everything else is a Wagtail page; this must stay last. English pages keep their addresses
# (no prefix); each other language's pages live under its code, e.g. /zh-hans/talks/.
urlpatterns += i18n_patterns(
    path("", include(demos_localized_urls)),
    path("", include(talks_localized_urls)),
    path("", include("subscriptions.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
