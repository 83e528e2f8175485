"""One module per page: register_page, a layout, thin callbacks (Dash loads them from this folder)."""
