// Functions AG Grid column definitions call by name ({"function": "formatDay(params.value)"}).
// One date form on every page (docs/ui.md): "3 Dec 2026"; times "3 Dec 2026 14:05" (UTC, said in
// the header). Cells arrive as ISO text from SQL ("2026-12-03" or "2026-12-03 14:05:09.123"), so
// sorting and filtering stay in SQL on the real value; only the reading changes here.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

dagfuncs.formatDay = function (value) {
    if (value === null || value === undefined || value === "") {
        return "";
    }
    var text = String(value);
    var parts = text.slice(0, 10).split("-");
    if (parts.length !== 3) {
        return text;
    }
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0];
};

dagfuncs.formatStamp = function (value) {
    var day = dagfuncs.formatDay(value);
    var text = String(value || "");
    return text.length >= 16 ? day + " " + text.slice(11, 16) : day;
};
