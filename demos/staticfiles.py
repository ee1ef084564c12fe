"""Serves plotly.js as the static file vendor/plotly.min.js, never from a CDN or the repository.

`make setup` fetches npm's cartesian bundle (every trace type our figures use, a third of the full
size) at the version the installed plotly package draws for; without it, the full bundle shipped
inside the plotly package is served. WhiteNoise compresses it and gives it a hashed name like any
other static file.
"""

from importlib.util import find_spec
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "vendor/plotly.min.js"
PARTIAL_BUNDLE = (
    Path(__file__).resolve().parents[1]
    / ".cache/plotly-js/node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js"
)
# Found without importing plotly: the web tier never loads the charting library itself.
FULL_BUNDLE = Path(find_spec("plotly").origin).parent / "package_data" / "plotly.min.js"
SOURCE = PARTIAL_BUNDLE if PARTIAL_BUNDLE.exists() else FULL_BUNDLE


class BundleStorage(FileSystemStorage):
    """The one file, under the name it is served by."""

    prefix = str(Path(PLOTLY_JS).parent)

    def path(self, name: str) -> str:
        return str(SOURCE)


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = BundleStorage(location=SOURCE.parent)

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path != PLOTLY_JS:
            return []
        return [str(SOURCE)] if find_all or kwargs.get("all") else str(SOURCE)

    def list(self, ignore_patterns):
        yield Path(PLOTLY_JS).name, self.storage
