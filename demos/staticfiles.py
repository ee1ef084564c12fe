"""Serves plotly.js from the installed plotly package as the static file vendor/plotly.min.js.

No third-party bundle is committed: the file comes from whatever plotly version is installed, so
the figures the server builds and the library that draws them always match. WhiteNoise then
compresses it and gives it a hashed name like any other static file.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "vendor/plotly.min.js"
SOURCE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=SOURCE.parent)
        self.storage.prefix = str(Path(PLOTLY_JS).parent)

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path != PLOTLY_JS:
            return []
        return [str(SOURCE)] if find_all or kwargs.get("all") else str(SOURCE)

    def list(self, ignore_patterns):
        yield SOURCE.name, self.storage
