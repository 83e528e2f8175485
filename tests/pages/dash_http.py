"""Helpers for driving Dash pages over HTTP the way the browser does."""

PAGES = ".._pages_content.children..._pages_store.data.."


def route(client, pathname: str, search: str = ""):
    """POST Dash's page-routing callback the way the browser does on navigation."""
    client.get("/_dash-dependencies")
    body = {
        "output": PAGES,
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }
    return client.post("/_dash-update-component", json=body)


def components(tree):
    """Every component in a serialised Dash layout, depth first."""
    if isinstance(tree, list):
        for item in tree:
            yield from components(item)
    elif isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree
        for value in (tree.get("props") or {}).values():
            yield from components(value)


def refusal(response) -> str | None:
    """The message of the "Not done" notice a refused callback answers with (None when it was not refused)."""
    if response.status_code != 200 or not response.is_json:
        return None
    notice = (response.json.get("sideUpdate") or {}).get("global-error") or {}
    return notice.get("children") if notice.get("header") == "Not done" else None
