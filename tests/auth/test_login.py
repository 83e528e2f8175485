"""The /login form: fields, CSRF, demo sign-ins, redirects, and the failed sign-in limit."""

import pytest
from sqlalchemy import delete

from dashboard import context, create_app
from dashboard.db.models import AppSetting
from tests.conftest import CSRF_FIELD, AuthActions
from tests.pages.dash_http import components


class TestForm:
    def test_form_has_username_password_and_hidden_csrf_and_uses_local_bootstrap(self, client):
        page = client.get("/login").text
        assert 'name="username"' in page
        assert 'name="password"' in page and 'type="password"' in page
        assert 'type="hidden" name="csrf_token"' in page
        assert "/assets/vendor/bootstrap.min.css" in page

    def test_demo_database_lists_the_demo_sign_ins(self, client):
        demo = client.get("/login").text
        assert 'id="demo-sign-ins"' in demo
        for user in ("manager", "support", "executive", "admin"):
            assert f"demo-{user}" in demo

    def test_other_databases_do_not_list_sign_ins(self, demo_app, client):
        with context.current_for(demo_app.server).db.write_session() as session:
            session.execute(delete(AppSetting))
        assert "demo-sign-ins" not in client.get("/login").text


class TestSignIn:
    def test_good_credentials_sign_in_and_go_to_next(self, auth):
        response = auth.login("manager", next="/admin/users")
        assert response.status_code == 302
        assert response.headers["Location"] == "/admin/users"
        assert auth.client.get("/").status_code == 200

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
    def test_next_never_leaves_the_site(self, auth, target):
        assert auth.login("manager", next=target).headers["Location"] == "/"

    def test_wrong_password_is_401_and_stays_anonymous(self, auth):
        response = auth.login("manager", "wrong-password")
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
        assert auth.client.get("/").status_code == 302

    def test_missing_csrf_token_is_refused(self, client):
        response = client.post("/login", data={"username": "manager", "password": "demo-manager"})
        assert response.status_code == 400
        assert client.get("/").status_code == 302

    def test_usernames_are_case_insensitive(self, auth):
        assert auth.login("Manager", "demo-manager").status_code == 302


class TestSignOut:
    def test_the_navbar_form_posts_to_logout_with_a_token_and_ends_the_session(self, auth):
        auth.login("support")
        layout = auth.client.get("/_dash-layout").json
        [form] = [c for c in components(layout) if c["props"].get("id") == "sign-out-form"]
        assert (form["type"], form["props"]["method"], form["props"]["action"]) == ("Form", "post", "/logout")
        [button] = [c for c in components(form) if c["props"].get("id") == "sign-out"]
        assert (button["type"], button["props"]["type"]) == ("Button", "submit")
        response = auth.logout()
        assert (response.status_code, response.headers["Location"]) == (302, "/login")
        assert auth.client.get("/").headers["Location"].startswith("/login")

    def test_a_get_offers_a_sign_out_button_and_does_not_sign_out(self, auth):
        auth.login("support")
        page = auth.client.get("/logout")
        assert page.status_code == 200
        assert 'method="post"' in page.text and 'type="hidden" name="csrf_token"' in page.text
        assert "signed in as <strong>support</strong>" in page.text
        assert auth.client.get("/").status_code == 200
        # The page's own button works.
        token = CSRF_FIELD.search(page.text).group(1)
        assert auth.client.post("/logout", data={"csrf_token": token}).status_code == 302
        assert auth.client.get("/").status_code == 302

    @pytest.mark.parametrize("token", [None, "", "forged-token", "from-another-session"])
    def test_a_post_without_this_sessions_token_is_refused_and_the_session_survives(self, demo_app, auth, token):
        if token == "from-another-session":
            other = AuthActions(demo_app.server.test_client())
            other.login("manager")
            token = other.sign_out_token()
        auth.login("support")
        response = auth.client.post("/logout", data={} if token is None else {"csrf_token": token})
        assert response.status_code == 400
        assert "still signed in" in response.text and 'id="logout-submit"' in response.text
        assert auth.client.get("/").status_code == 200

    def test_signed_out_visitors_are_sent_to_the_login_form(self, client):
        assert client.get("/logout").headers["Location"] == "/login"
        assert client.post("/logout").headers["Location"] == "/login"


class TestFailedSignInLimit:
    def test_sixth_failure_within_a_minute_gets_429(self, auth):
        for _ in range(5):
            assert auth.login("manager", "wrong-password").status_code == 401
        blocked = auth.login("manager", "demo-manager")
        assert blocked.status_code == 429
        assert "Too many failed sign-ins" in blocked.text

    def test_successful_sign_ins_do_not_count(self, auth):
        for _ in range(7):
            assert auth.login("manager").status_code == 302

    def test_failures_are_shared_between_workers_through_redis(self, demo_settings, redis_url):
        from dataclasses import replace

        import redis

        redis.Redis.from_url(redis_url).flushdb()
        settings = replace(demo_settings, redis_url=redis_url)
        worker_a, worker_b = create_app(settings), create_app(settings)
        auth_a, auth_b = AuthActions(worker_a.server.test_client()), AuthActions(worker_b.server.test_client())
        for _ in range(3):
            assert auth_a.login("manager", "wrong-password").status_code == 401
        for _ in range(2):
            assert auth_b.login("manager", "wrong-password").status_code == 401
        assert auth_a.login("manager").status_code == 429


class TestBehindAProxy:
    def test_each_client_behind_a_trusted_proxy_has_its_own_failure_count(self, demo_settings, demo_template):
        import shutil
        from dataclasses import replace

        shutil.copy(demo_template, demo_settings.database_url.removeprefix("sqlite:///"))
        app = create_app(replace(demo_settings, trusted_proxies=1))
        client = app.server.test_client()
        auth = AuthActions(client)

        def attempt(address: str, password: str = "wrong-password"):
            data = {"username": "manager", "password": password, "csrf_token": auth.csrf_token()}
            return client.post("/login", data=data, headers={"X-Forwarded-For": address})

        for _ in range(5):
            assert attempt("198.51.100.7").status_code == 401
        assert attempt("198.51.100.7").status_code == 429
        # Another customer behind the same proxy is not locked out by the first one's mistakes.
        assert attempt("198.51.100.8", "demo-manager").status_code == 302

    def test_one_username_is_limited_across_addresses(self, demo_settings, demo_template):
        import shutil
        from dataclasses import replace

        shutil.copy(demo_template, demo_settings.database_url.removeprefix("sqlite:///"))
        app = create_app(replace(demo_settings, trusted_proxies=1))
        client = app.server.test_client()
        auth = AuthActions(client)
        for i in range(10):
            data = {"username": "manager", "password": "wrong-password", "csrf_token": auth.csrf_token()}
            assert client.post("/login", data=data, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code == 401
        data = {"username": "manager", "password": "demo-manager", "csrf_token": auth.csrf_token()}
        assert client.post("/login", data=data, headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429
