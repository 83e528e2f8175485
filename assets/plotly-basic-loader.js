// Every chart in the app is bar and scatter traces, which plotly.js's "basic" bundle draws:
// 1.2 MB instead of the full bundle's 4.8 MB that dcc.Graph would otherwise fetch, parse and run
// before the first chart (and, on a cold visit, before the grid's first rows). dcc.Graph loads
// plotly.js lazily from window._dashPlotlyJSURL the first time a page has a graph; the renderer
// sets that URL at start-up, so it is fixed here to the vendored basic bundle (assets/vendor/,
// version and licence in assets/vendor/LICENSES.md). tests/components/test_charts_bundle.py keeps
// the app's trace types within what the basic bundle has.
(function () {
    var src = (document.currentScript && document.currentScript.src) || "";
    var url = src.replace(/plotly-basic-loader\.js.*$/, "vendor/plotly-basic.min.js");
    Object.defineProperty(window, "_dashPlotlyJSURL", {
        configurable: true,
        get: function () {
            return url;
        },
        set: function () {},
    });
})();
