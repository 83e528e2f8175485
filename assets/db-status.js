// When the server answers a Dash request with 503 (its database is unavailable), say so on the page:
// otherwise a click fails silently. The banner goes away with the next Dash answer that is not a 503.
(function () {
    "use strict";
    var MESSAGE = "Database unavailable: nothing can be loaded or changed right now. " +
        "Nothing was lost; try again in a moment.";

    function show(unavailable) {
        var banner = document.getElementById("db-unavailable-banner");
        if (!banner && unavailable) {
            banner = document.createElement("div");
            banner.id = "db-unavailable-banner";
            banner.className = "alert alert-danger shadow db-unavailable-banner";
            banner.setAttribute("role", "alert");
            banner.textContent = MESSAGE;
            document.body.appendChild(banner);
        }
        if (banner) {
            banner.hidden = !unavailable;
        }
    }

    var originalFetch = window.fetch;
    window.fetch = function (input) {
        var url = typeof input === "string" ? input : (input && input.url) || "";
        return originalFetch.apply(this, arguments).then(function (response) {
            if (url.indexOf("/_dash-") !== -1) {
                show(response.status === 503);
            }
            return response;
        });
    };
})();
