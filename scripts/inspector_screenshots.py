"""Take the README's screenshots of the state inspector (docs/inspector-*.png).

Starts ``python -m emulator serve`` on a demo wrangler project, fills it through the REST
API and photographs the KV view and the D1 console in Debian's chromium:

    python scripts/inspector_screenshots.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
READY = "Serving Cloudflare REST API v4 at "
ACCOUNT = "demo"
KV_ID = "8a6e4c1f0d2b4e7a9c3f5b1d7e9a2c4f"
DB_ID = "2f1c7a9e-4b3d-4e8f-a1c5-9d7b3e6f0a2c"
CONFIG = f"""\
name = "shop"

[[kv_namespaces]]
binding = "SESSIONS"
id = "{KV_ID}"

[[d1_databases]]
binding = "DB"
database_name = "shop-db"
database_id = "{DB_ID}"
"""
MIGRATIONS = {
    "0001_users.sql": "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL "
    "UNIQUE,\n  name TEXT NOT NULL,\n  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n);",
    "0002_orders.sql": "CREATE TABLE orders (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT "
    "NULL REFERENCES users (id),\n  total_cents INTEGER NOT NULL,\n  status TEXT NOT NULL "
    "DEFAULT 'paid'\n);\nCREATE INDEX orders_by_user ON orders (user_id);",
}
PEOPLE = [
    ("ada@example.com", "Ada Lovelace"),
    ("grace@example.com", "Grace Hopper"),
    ("alan@example.com", "Alan Turing"),
    ("edsger@example.com", "Edsger Dijkstra"),
    ("barbara@example.com", "Barbara Liskov"),
    ("ken@example.com", "Ken Thompson"),
]
CONSOLE_SQL = """\
SELECT u.name, count(o.id) AS orders, sum(o.total_cents) / 100.0 AS spent
FROM users u LEFT JOIN orders o ON o.user_id = u.id
GROUP BY u.id ORDER BY spent DESC;"""


def seed(http: httpx.Client) -> None:
    values = f"/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/{KV_ID}/values/"
    for index, (email, name) in enumerate(PEOPLE):
        session = f"session:{(index * 7919 + 104729):08x}c9e1"
        body = {"user_id": index + 1, "email": email, "name": name, "roles": ["customer"]}
        if index == 0:
            body["roles"] = ["admin", "customer"]
        files = {
            "value": ("value", json.dumps(body).encode()),
            "metadata": ("metadata", json.dumps({"user_id": index + 1, "ip": "203.0.113.7"})),
        }
        http.put(
            values + quote(session, safe=""),
            files=files,
            params={"expiration_ttl": 86_400 - index * 3_700},
        ).raise_for_status()
    http.put(
        values + "flags", content=b'{"checkout_v2": true, "dark_mode": false}'
    ).raise_for_status()
    http.put(
        values + quote("rate:203.0.113.7", safe=""), content=b"17", params={"expiration_ttl": 60}
    ).raise_for_status()
    http.put(
        values + quote("avatar:1", safe=""),
        content=bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(48),
    ).raise_for_status()
    query = f"/client/v4/accounts/{ACCOUNT}/d1/database/{DB_ID}/query"
    rows = ", ".join(f"('{email}', '{name}')" for email, name in PEOPLE)
    http.post(
        query, json={"sql": f"INSERT INTO users (email, name) VALUES {rows}"}
    ).raise_for_status()
    orders = ", ".join(f"({1 + i % 5}, {1999 + (i * 1337) % 9000})" for i in range(23))
    http.post(
        query, json={"sql": f"INSERT INTO orders (user_id, total_cents) VALUES {orders}"}
    ).raise_for_status()


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "wrangler.toml").write_text(CONFIG)
        (project / "migrations").mkdir()
        for name, sql in MIGRATIONS.items():
            (project / "migrations" / name).write_text(sql)
        args = [
            "serve",
            "--port",
            "0",
            "--quiet",
            "--config",
            "wrangler.toml",
            "--apply-migrations",
        ]
        server = subprocess.Popen(
            [sys.executable, "-m", "emulator", *args],
            cwd=project,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            url = server.stdout.readline().removeprefix(READY).strip().removesuffix("/client/v4")
            with httpx.Client(base_url=url) as http:
                http.post(
                    "/__emulator/clock", json={"move_to": "2027-01-15T09:30:00Z"}
                ).raise_for_status()
                seed(http)
            shoot(url)
        finally:
            server.terminate()
            server.wait()
    return 0


def shoot(url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1440, "height": 760}, device_scale_factor=1)
        page.goto(url + "/")
        page.locator("#kv-keys tbody .key-link").first.wait_for()
        page.locator(".key-link", has_text="session:").first.click()
        page.locator("#kv-entry:not([hidden])").wait_for()
        page.screenshot(path=str(DOCS / "inspector-kv.png"))
        page.click("#tab-d1")
        page.click("#pane-console")
        page.fill("#console-sql", CONSOLE_SQL)
        page.click("#console-form button[type=submit]")
        page.locator("#console-output .result").wait_for()
        page.mouse.move(0, 0)
        page.screenshot(path=str(DOCS / "inspector-d1-console.png"))
        browser.close()


if __name__ == "__main__":
    raise SystemExit(main())
