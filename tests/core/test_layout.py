"""The layout every app shares, and the import contracts that keep the layers apart (pyproject.toml)."""

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve, reverse

ROOT = Path(__file__).resolve().parents[2]
ROOT_PACKAGES = ["fund_center", "core", "ledger", "accounts", "deposits", "withdrawals", "loans", "judicial",
                 "documents", "portal"]
BUSINESS_APPS = ["ledger", "accounts", "deposits", "withdrawals"]
LAYERS = "Layers: core < ledger < accounts < deposits < withdrawals | loans | judicial < documents < portal"
STANDARD_MODULES = ["models.py", "services", "selectors.py", "forms.py", "views", "api", "tasks.py", "admin.py",
                    "urls.py", "parameters.py"]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    """The project's Python packages and pyproject.toml in a scratch directory, to break on purpose."""
    target = tmp_path_factory.mktemp("layout")
    for package in ROOT_PACKAGES:
        shutil.copytree(ROOT / package, target / package,
                        ignore=shutil.ignore_patterns("__pycache__", "migrations", "*.html", "*.sql"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.mark.parametrize(("module", "bad_import", "contract"), [
    ("deposits/services/arrears.py", "from deposits.views import arrears", "Business code never imports pages"),
    ("ledger/posting.py", "from ledger.views import reconciliation", "Business code never imports pages"),
    ("portal/views/deposits.py", "from deposits.views import deferrals", "Pages never import another app's pages"),
    ("deposits/selectors.py", "from withdrawals import rules", LAYERS),
    ("core/money.py", "from ledger import chart", LAYERS),
    ("withdrawals/rules.py", "from portal import selectors", LAYERS),
])
def test_the_contracts_refuse_a_wrong_import(project_copy, module, bad_import, contract):
    path = project_copy / module
    original = path.read_text()
    try:
        path.write_text(original + f"\n{bad_import}  # noqa\n")
        result = _lint_imports(project_copy)
    finally:
        path.write_text(original)
    assert result.returncode == 1, result.stdout
    assert f"{contract} BROKEN" in " ".join(result.stdout.split()), result.stdout


@pytest.mark.parametrize("app", BUSINESS_APPS)
def test_every_business_app_has_the_standard_modules(app):
    missing = [name for name in STANDARD_MODULES if not (ROOT / app / name).exists()]
    assert missing == []
    for package in ("services", "views", "api"):
        assert (ROOT / app / package / "__init__.py").is_file()


@pytest.mark.parametrize("app", ["accounts", "ledger", "withdrawals"])
def test_a_services_package_only_re_exports_and_its_modules_never_import_it_back(app):
    init = ast.parse((ROOT / app / "services" / "__init__.py").read_text())
    kinds = {type(node).__name__ for node in init.body}
    assert kinds <= {"Expr", "ImportFrom", "Assign"}, kinds  # docstring, re-exports, __all__
    assigned = [target.id for node in init.body if isinstance(node, ast.Assign) for target in node.targets]
    assert assigned == ["__all__"]

    module = importlib.import_module(f"{app}.services")
    assert [name for name in module.__all__ if not hasattr(module, name)] == []

    graph = grimp.build_graph(app)
    package = f"{app}.services"
    submodules = graph.find_children(package)
    assert len(submodules) >= 4
    importers = {module for module in submodules if package in graph.find_modules_directly_imported_by(module)}
    assert importers == set()


def test_withdrawal_services_are_still_reachable_through_the_package():
    from withdrawals import services
    from withdrawals.services import payout, registry, steps

    assert services.approve is steps.approve
    assert services.pay is payout.pay
    assert services.record_fraud is registry.record_fraud
    assert services.FLOW.name == "withdrawal"


def test_the_portal_withdrawal_pages_live_in_portal_under_the_same_paths():
    assert reverse("withdrawals_portal:list") == "/portal/withdrawals/"
    assert reverse("withdrawals_portal:cancel", args=["TQ1"]) == "/portal/withdrawals/TQ1/cancel/"
    assert reverse("withdrawals_portal:standing_stop", args=[3]) == "/portal/standing/3/stop/"
    assert resolve("/portal/withdrawals/apply/").func.__module__ == "portal.views.withdrawals"
    assert resolve("/counter/withdrawals/").func.__module__ == "withdrawals.views.applications"
    assert resolve("/counter/deposits/deferrals/").func.__module__ == "deposits.views.deferrals"
    assert not (ROOT / "withdrawals" / "templates").exists()
    assert (ROOT / "templates" / "portal" / "withdrawals.html").is_file()


def test_the_shared_template_tags_come_from_core():
    from core.templatetags import counter

    request = RequestFactory().get("/")
    html = Template("{% load counter %}{{ amount|yuan }} {{ ratio|percent }} {{ id|mask_id }}").render(
        Context({"amount": "1234.5", "ratio": "0.12", "id": "110101199003078515", "request": request}))
    assert html == "1,234.50 12% 110***********8515"
    assert counter.register.filters["yuan"].__module__ == "core.templatetags.counter"
