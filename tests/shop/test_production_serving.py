"""With DEBUG off, gunicorn alone serves the pages and their CSS (WhiteNoise)."""

import base64
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    # The load balancer terminates TLS and says so; the app trusts it (TRUST_X_FORWARDED_PROTO).
    request = urllib.request.Request(  # noqa: S310 -- loopback only
        url, headers={"X-Forwarded-Proto": "https", "Accept-Language": "en"}
    )
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 -- loopback only
        return response.status, dict(response.headers), response.read()


@pytest.fixture
def production_server(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "LEDGER_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{database}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TRUST_X_FORWARDED_PROTO": "1",
    }
    for command in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"], ["setup_shop"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shop.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            fetch(base + "/en/")
            break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("gunicorn did not start: " + server.stdout.read().decode(errors="replace")[-2000:])
    yield base
    server.terminate()
    server.wait(timeout=10)


def test_pages_load_their_stylesheets_under_gunicorn(production_server):
    status, headers, body = fetch(production_server + "/en/")
    html = body.decode()
    assert status == 200
    assert "Strict-Transport-Security" in headers
    nonce = re.search(r"'nonce-([^']+)'", headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("page-actions." in src for src in scripts), scripts
    for src in scripts:
        assert fetch(production_server + src)[0] == 200, src
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert any("campaign." in href for href in stylesheets), stylesheets
    for href in stylesheets:
        # Manifest storage gives every file a content hash, so it can be cached for ever.
        assert re.search(r"\.[0-9a-f]{12}\.css$", href), href
        css_status, css_headers, css = fetch(production_server + href)
        assert css_status == 200
        assert css_headers["Content-Type"].startswith("text/css")
        assert "max-age=315360000" in css_headers.get("Cache-Control", "")
        assert len(css) > 1000
        # WhiteNoise answers before the rest of the stack; the policy is on its responses too.
        assert "object-src 'none'" in css_headers["Content-Security-Policy"]
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert og_image.startswith("https://127.0.0.1")  # absolute, as the public sees it behind TLS
    image_status, image_headers, _ = fetch(og_image.replace("https://", "http://", 1))
    assert image_status == 200
    assert image_headers["Content-Type"] == "image/png"
