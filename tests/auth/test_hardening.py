"""Production refuses unsafe settings; cookies and security headers are set on every response."""

from dataclasses import replace

import pytest

from dashboard import create_app
from dashboard.config import ConfigurationError, Settings

STRONG = "s" * 40


class TestProductionChecks:
    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"secret_key": None}, "SECRET_KEY is not set"),
            ({"secret_key": "too-short"}, "at least 32"),
            ({"secret_key": STRONG, "debug": True}, "debug"),
        ],
    )
    def test_refuses_to_start(self, tmp_path, overrides, message):
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'p.db'}", env="production", auto_demo=False, **overrides
        )
        with pytest.raises(ConfigurationError, match=message):
            create_app(settings, prepare=False)

    def test_environment_variables_feed_the_check(self):
        settings = Settings.from_env(
            {"BACKORDER_DESK_ENV": "production", "SECRET_KEY": "short", "DATABASE_URL": "sqlite://"}
        )
        assert settings.production_problems() == ["SECRET_KEY is 5 characters long: use at least 32"]

    def test_development_needs_no_secret(self):
        assert Settings(secret_key=None).production_problems() == []


class TestHeadersAndCookies:
    def test_security_headers_on_pages_and_static_files(self, client):
        for path in ("/login", "/healthz", "/assets/app.css"):
            with client.get(path) as response:
                csp = response.headers["Content-Security-Policy"]
                assert "frame-ancestors 'none'" in csp
                assert "script-src 'self' 'sha256-" in csp
                assert response.headers["X-Frame-Options"] == "DENY"
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert "Strict-Transport-Security" not in response.headers

    def test_csp_admits_dashs_own_inline_scripts(self, demo_app, auth):
        auth.login("manager")
        csp = auth.client.get("/").headers["Content-Security-Policy"]
        for digest in demo_app.csp_hashes():
            assert digest in csp

    def test_session_cookie_is_httponly_and_lax(self, auth):
        cookie = auth.login("manager").headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie

    def test_production_adds_hsts_and_secure_cookies(self, demo_settings, demo_template):
        import shutil

        from tests.conftest import AuthActions

        shutil.copy(demo_template, demo_settings.database_url.removeprefix("sqlite:///"))
        app = create_app(replace(demo_settings, env="production", secret_key=STRONG))
        auth = AuthActions(app.server.test_client())
        response = auth.login("manager")
        assert "Secure" in response.headers["Set-Cookie"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
