"""Every server-side callback declares who may run it."""

from dashboard.auth.gate import DASH_INTERNAL_OUTPUTS
from dashboard.auth.roles import WRITES_ATTR, cancel_roles, declared_roles


def test_every_callback_in_the_app_declares_its_roles(demo_app, client):
    client.get("/_dash-dependencies")
    server_callbacks = {key: entry["callback"] for key, entry in demo_app.callback_map.items() if "callback" in entry}
    assert server_callbacks, "the app should have server-side callbacks"
    missing = [
        key
        for key, func in server_callbacks.items()
        if declared_roles(func) is None and cancel_roles(key) is None and key not in DASH_INTERNAL_OUTPUTS
    ]
    assert missing == [], f"callbacks without @allow_roles: {missing}"


def test_write_callbacks_are_marked_as_writes(demo_app, client):
    client.get("/_dash-dependencies")
    writes = [
        key
        for key, entry in demo_app.callback_map.items()
        if "callback" in entry and getattr(entry["callback"], WRITES_ATTR, False)
    ]
    assert any("users-feedback" in key for key in writes)


def test_backorder_support_actions_are_writes_for_support_and_managers_only(demo_app, client):
    client.get("/_dash-dependencies")
    key = next(k for k in demo_app.callback_map if "bo-changed.data" in k and "bo-feedback" in k)
    func = demo_app.callback_map[key]["callback"]
    assert getattr(func, WRITES_ATTR) is True
    assert {role.value for role in declared_roles(func)} == {"support", "manager", "admin"}  # admin always
