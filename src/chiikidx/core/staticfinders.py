"""Serve Plotly's bundled plotly.min.js (from the installed `plotly` package) as a static file,
so charts work on closed networks with no CDN and no copy of the file in this repository."""

from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PUBLIC_NAME = "vendor/plotly.min.js"


def plotly_file() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def find(self, path, find_all=False, **kwargs):
        if path != PUBLIC_NAME:
            return [] if find_all else None
        found = str(plotly_file())
        return [found] if find_all else found

    def list(self, ignore_patterns):
        source = plotly_file()
        storage = FileSystemStorage(location=str(source.parent))
        storage.prefix = "vendor"  # collectstatic and whitenoise publish it as vendor/plotly.min.js
        yield source.name, storage

    def check(self, **kwargs):
        return []
