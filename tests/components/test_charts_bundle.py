"""The app's charts fit plotly.js's basic bundle, which the browser loads instead of the full one."""

import re
from pathlib import Path

import plotly

ROOT = Path(__file__).resolve().parents[2]
BASIC_TRACES = {"scatter", "bar", "pie"}


def test_every_trace_type_in_the_app_is_in_the_basic_bundle():
    used = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'"type":\s*"(\w+)"', text)) & {
            "scatter",
            "bar",
            "pie",
            "histogram",
            "heatmap",
            "box",
            "violin",
            "indicator",
            "scattergl",
            "table",
        }
        used |= {name.lower() for name in re.findall(r"\.add_(scatter|bar|pie|histogram|heatmap|box|violin)\(", text)}
        used |= {name.lower() for name in re.findall(r"go\.(Scatter|Bar|Pie|Histogram|Heatmap|Box|Violin)\(", text)}
    assert used and used <= BASIC_TRACES, used - BASIC_TRACES


def test_the_vendored_bundle_is_the_plotly_js_of_the_installed_plotly_package():
    bundled = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:200]
    basic = (ROOT / "assets" / "vendor" / "plotly-basic.min.js").read_text()[:200]
    version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", bundled).group(1)
    basic_version = re.search(r"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)", basic).group(1)
    # The same major version draws the same figure JSON; a new major needs a new vendored bundle.
    assert basic_version.split(".")[0] == version.split(".")[0], (basic_version, version)


def test_the_loader_points_dash_at_the_basic_bundle():
    loader = (ROOT / "assets" / "plotly-basic-loader.js").read_text()
    assert "_dashPlotlyJSURL" in loader and "vendor/plotly-basic.min.js" in loader
