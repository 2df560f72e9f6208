"""The artifact a real deploy uploads: `infra/package.py` online (pip fetches wheels for the
Lambda's Python and architecture), checked for size, contents and a clean import on the
runtime's Python with nothing but the zip and boto3 on sys.path."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))

import package as api_package  # noqa: E402

MAX_ZIP_BYTES = 1024 * 1024  # 0.57 MB measured; botocore alone is 17 MB
RUNTIME_TOPS = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}
# Top-level modules the Lambda runtime gives besides the standard library.


@pytest.fixture(scope="module")
def online(tmp_path_factory: pytest.TempPathFactory) -> api_package.Package:
    return api_package.package("pilot", tmp_path_factory.mktemp("online") / "out")


def _names(built: api_package.Package) -> list[str]:
    with zipfile.ZipFile(built.zip) as archive:
        return archive.namelist()


def test_online_package_is_small_and_carries_nothing_the_runtime_provides(online, capsys):
    names = _names(online)
    tops = {n.split("/", 1)[0] for n in names}
    with capsys.disabled():
        print(f"\nonline Lambda package: {online.zip_bytes} bytes; top level: {sorted(tops)}")
    assert online.zip_bytes < MAX_ZIP_BYTES
    assert not tops & RUNTIME_TOPS
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    assert {
        "app.py",
        "chalicelib",
        "pynamodb",
        "jwt",
        "gostcrypto",
        "openpyxl",
        "et_xmlfile",
    } <= tops
    # Exactly the pins: the vendored distributions are the ones functions/requirements.txt names.
    pinned = {
        line.split("==")[0].strip().lower().replace("_", "-")
        for line in (ROOT / "functions" / "requirements.txt").read_text("utf-8").splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }
    vendored = {
        n.split("/", 1)[0].split("-", 1)[0].lower().replace("_", "-")
        for n in names
        if n.split("/", 1)[0].endswith(".dist-info")
    }
    assert vendored == pinned


def test_functions_run_on_the_chosen_runtime_and_architecture(online):
    template = json.loads(online.template.read_text("utf-8"))
    functions = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    # the API, the hourly finish-events, and the notification Lambdas (daily job, stream
    # handler, SES events)
    assert len(functions) == 5
    for props in functions:
        assert props["Runtime"] == api_package.LAMBDA_RUNTIME
        assert props["Architectures"] == [api_package.LAMBDA_ARCHITECTURE]


def runtime_python() -> str:
    """An interpreter of the Lambda's Python version (pyenv keeps one here), else this one."""
    version = api_package.LAMBDA_RUNTIME.removeprefix("python")
    home = os.path.expanduser("~/.pyenv/versions")
    for candidate in sorted(glob.glob(f"{home}/{version}*/bin/python{version}"), reverse=True):
        return candidate
    found = shutil.which(f"python{version}")
    if (
        found
        and subprocess.run([found, "-c", ""], capture_output=True, check=False).returncode == 0
    ):
        return found
    return sys.executable


_IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
sys.path[:] = [p for p in sys.path if "site-packages" not in p and "dist-packages" not in p]
sys.path[:0] = sys.argv[1:3]
import app
import chalicelib
failed = []
for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
    try:
        importlib.import_module(module.name)
    except Exception as exc:
        failed.append(f"{module.name}: {exc!r}")
import botocore
assert botocore.__file__.startswith(sys.argv[2]), botocore.__file__
print(sys.version.split()[0])
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_online_package_imports_in_a_fresh_interpreter_with_only_the_zip_and_boto3(
    online, tmp_path, capsys
):
    task, runtime = api_package.runtime_layout(online.zip, tmp_path)
    python = runtime_python()
    result = subprocess.run(
        [python, "-S", "-c", _IMPORT_EVERYTHING, str(task), str(runtime)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "eu-central-1"},
    )
    with capsys.disabled():
        print(f"\nimported on Python {result.stdout.split()[0] if result.stdout else '?'}")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unpinned_dependency_of_a_vendored_package_is_refused(tmp_path):
    info = tmp_path / "openpyxl-3.1.5.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: openpyxl\nVersion: 3.1.5\nRequires-Dist: et-xmlfile\n"
        "Requires-Dist: botocore\n",
        encoding="utf-8",
    )
    with pytest.raises(RuntimeError, match=r"et-xmlfile \(needed by openpyxl\)"):
        api_package.check_vendored_closure(tmp_path)


def test_a_package_with_a_compiled_module_is_refused(tmp_path):
    bad = tmp_path / "deployment.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("app.py", "")
        archive.writestr("_cffi_backend.cpython-313-aarch64-linux-gnu.so", "")
    with pytest.raises(RuntimeError, match="pure Python"):
        api_package.check_zip(bad)
