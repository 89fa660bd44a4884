"""``/api/v1/`` answers with the list of its endpoints (no login), each with the roles that may call it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_api_root_lists_its_endpoints(client, db):
    response = client.get("/api/v1/", secure=True)
    assert response.status_code == 200
    body = response.json()
    by_path = {e["path"]: e for e in body["endpoints"]}
    assert by_path["/api/v1/loans/calculator/"]["roles"] == ["public"]
    assert "POST" in by_path["/api/v1/loans/calculator/"]["methods"]
    assert by_path["/api/v1/bank/statement-lines/"]["roles"] == ["api_bank", "finance"]
    assert "/api/v1/judicial/requests/" in by_path and "/api/v1/employer/remittances/" in by_path
    assert "/api/v1/" not in by_path  # not itself
    assert (body["schema"], body["docs"]) == ("/api/schema/", "/api/docs/")


def test_management_commands_print_no_library_banner():
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "AXES" not in done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
