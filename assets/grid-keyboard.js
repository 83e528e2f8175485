/* Grids from the keyboard (issue 22; docs/ui.md, "Accessibility"): Enter on a cell does what a click does.
 *
 * The pages open a row (its side panel, or its page) from the grid's `cellClicked` prop, which AG Grid
 * sets on a mouse click only: Enter on a cell that cannot be edited does nothing, and AG Grid sends no
 * `cellKeyDown` event for it either. So Enter on a focused cell clicks that cell: AG Grid then does
 * exactly what it does for the mouse (selects the row where a click selects, sets `cellClicked`), and
 * the page's callback answers. Space stays AG Grid's own: it selects the row (ticks its box).
 */
document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey
            || event.shiftKey || event.isComposing) {
        return;
    }
    const cell = event.target;
    // The focused cell itself (a cell being edited has an input focused instead), in a row that has data.
    if (!(cell instanceof HTMLElement) || !cell.classList.contains("ag-cell")
            || cell.classList.contains("ag-cell-inline-editing") || !cell.closest(".ag-row:not(.ag-row-loading)")) {
        return;
    }
    event.preventDefault();
    cell.click();
});
