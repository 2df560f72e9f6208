"""Builds the API's deployment package and SAM template with `chalice package`.

The project is copied to a staging directory, so packaging never writes into `functions/`.
Dependencies are vendored by us and chalice gets an empty requirements file: chalice's own
`pip download` follows pynamodb to botocore and packaged a 17.9 MB zip with a botocore other
than the pinned one. Online (what `make package` and a real deploy use), `pip install --no-deps`
takes exactly the pins of functions/requirements.txt as wheels for the Lambda's Python and
architecture (LAMBDA_RUNTIME, LAMBDA_ARCHITECTURE), and every dependency they declare must be
pinned too or provided by the runtime; `--offline` copies the same distributions from the
installed environment instead (no network). boto3/botocore never enter the package.
After packaging, the Lambda's DynamoDB policy is generated (`PortalTables`, lambda_policy.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
INFRA = ROOT / "infra"
MERGE_TEMPLATE = INFRA / "api.yaml"
sys.path.insert(0, str(FUNCTIONS))

from chalicelib.db.models import ALL_MODELS  # noqa: E402

# DynamoDB actions of the Lambda per table and index, recorded while the test suite drives the
# API and the scheduled job (tests/dynamodb_actions.py); the policy grants exactly these.
LAMBDA_ACTIONS = INFRA / "lambda_dynamodb_actions.json"
# The newest Python runtime this machine can also run the package on (tests import it with the
# same minor version); supported until 2029. arm64 (Graviton): ~20 % cheaper per GB-second, and
# the package is pure Python, so the architecture only matters for a future native wheel.
LAMBDA_RUNTIME = "python3.13"
LAMBDA_ARCHITECTURE = "arm64"
# What the Lambda Python runtime itself provides: the package must need nothing else.
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
_PIP_PLATFORM = "manylinux2014_aarch64"  # glibc 2.17: loads on Amazon Linux 2023 (glibc 2.34)
# chalice/ itself is needed: it is the runtime part of the framework (app.py imports it).
# gostcrypto's wheel ships its test suite as a top-level `tests` package.
# A dependency's own test suite; MarkupSafe's optional C speedups (it falls back to its pure-Python
# `_native` module), so the package stays pure Python.
STRIPPED_FROM_ZIP = ("tests/", "markupsafe/_speedups")
FORBIDDEN_IN_ZIP = (
    "boto3/",
    "botocore/",
    "s3transfer/",
    "jmespath/",
    "dateutil/",
    "urllib3/",
    "moto/",
    "pytest/",
    "nmo_cli/",
)


@dataclass(frozen=True)
class Package:
    template: Path
    zip: Path

    @property
    def zip_bytes(self) -> int:
        return self.zip.stat().st_size


def runtime_requirements() -> list[str]:
    """Distribution names from functions/requirements.txt (pins and extras stripped)."""
    names = []
    for line in (FUNCTIONS / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[\[=<>!~; ]", line, maxsplit=1)[0])
    return names


# What the Lambda Python runtime already provides: never packaged, never vendored.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(names: list[str]) -> list[str]:
    """The requirements and their installed dependencies (markers evaluated, extras not taken),
    minus what the Lambda runtime provides — what `pip install` would add to the package."""
    from packaging.requirements import Requirement

    seen: dict[str, str] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        key = _canonical(name)
        if key in seen or key in RUNTIME_PROVIDED:
            continue
        dist = metadata.distribution(name)
        seen[key] = dist.metadata["Name"]
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return sorted(seen.values())


def vendor_installed(names: list[str], vendor: Path) -> None:
    """Copy installed distributions and their dependencies (files of each, like pip would)."""
    for name in runtime_closure(names):
        dist = metadata.distribution(name)
        for file in dist.files or []:
            parts = Path(str(file)).parts
            if parts[0] in ("..", "bin") or "__pycache__" in parts or str(file).endswith(".pyc"):
                continue
            source = Path(str(dist.locate_file(file)))
            if source.is_file():
                target = vendor / file
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


def vendor_for_lambda(vendor: Path) -> None:
    """`pip install --no-deps` of the pins, as wheels for the Lambda's Python and platform:
    nothing transitive can slip in, and a package without such a wheel fails here, not in AWS."""
    version = LAMBDA_RUNTIME.removeprefix("python")
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-compile",
        "--only-binary=:all:",
        "--platform",
        _PIP_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        version,
        "--abi",
        "cp" + version.replace(".", ""),
        "--target",
        str(vendor),
        "--requirement",
        str(FUNCTIONS / "requirements.txt"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"pip could not fetch the Lambda's dependencies:\n{result.stderr}")
    shutil.rmtree(vendor / "bin", ignore_errors=True)
    check_vendored_closure(vendor)


def check_vendored_closure(vendor: Path) -> None:
    """Every dependency a vendored distribution declares is vendored or given by the runtime."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    env = {
        **default_environment(),
        "python_version": LAMBDA_RUNTIME.removeprefix("python"),
        "python_full_version": LAMBDA_RUNTIME.removeprefix("python") + ".0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "aarch64",
        "extra": "",
    }
    dists = list(metadata.distributions(path=[str(vendor)]))
    present = {_canonical(d.metadata["Name"]) for d in dists}
    missing = set()
    for dist in dists:
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate(env):
                continue
            key = _canonical(requirement.name)
            if key not in present and key not in RUNTIME_PROVIDED:
                missing.add(f"{requirement.name} (needed by {dist.metadata['Name']})")
    if missing:
        raise RuntimeError(
            "pin these in functions/requirements.txt (or they are missing in the Lambda): "
            + ", ".join(sorted(missing))
        )


def stage_project(staging: Path, *, offline: bool) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copy2(FUNCTIONS / "app.py", staging / "app.py")
    shutil.copytree(FUNCTIONS / "chalicelib", staging / "chalicelib", ignore=ignore)
    (staging / ".chalice").mkdir()
    shutil.copy2(FUNCTIONS / ".chalice" / "config.json", staging / ".chalice" / "config.json")
    if offline:
        vendor_installed(runtime_requirements(), staging / "vendor")
    else:
        vendor_for_lambda(staging / "vendor")
    # chalice's own pip run would follow pynamodb to botocore: it gets nothing to resolve.
    (staging / "requirements.txt").write_text("", encoding="utf-8")


def _arn(resource: str) -> dict[str, str]:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:" + resource
    }


def lambda_actions() -> dict[str, list[str]]:
    """{logical table or `table/index/name`: [DynamoDB action, …]} from LAMBDA_ACTIONS."""
    data = json.loads(LAMBDA_ACTIONS.read_text(encoding="utf-8"))
    return {k: sorted(v) for k, v in data.items() if not k.startswith("_")}


def tables_policy() -> dict[str, Any]:
    """The Lambda's DynamoDB permissions: per table (and index) exactly the recorded actions;
    tables with the same actions share a statement (inline policies are size-limited)."""
    known = {model.table for model in ALL_MODELS} | {
        f"{model.table}/index/{index.Meta.index_name}"
        for model in ALL_MODELS
        for index in model._indexes.values()
    }
    by_actions: dict[tuple[str, ...], list[str]] = {}
    for resource, actions in sorted(lambda_actions().items()):
        if resource not in known:
            raise RuntimeError(f"{LAMBDA_ACTIONS.name} names {resource}, which no model defines")
        by_actions.setdefault(tuple(actions), []).append(resource)
    statements: list[dict[str, Any]] = []
    for number, (actions, resources) in enumerate(sorted(by_actions.items()), 1):
        statements.append(
            {
                "Sid": f"Tables{number}",
                "Effect": "Allow",
                "Action": ["dynamodb:" + a for a in actions],
                "Resource": [_arn("table/${TablePrefix}" + r) for r in resources],
            }
        )
    return {
        "PolicyName": "PortalTables",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
    }


def set_runtime(template: dict[str, Any]) -> None:
    """chalice names the runtime after the packaging interpreter; the stage runs LAMBDA_RUNTIME."""
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["Runtime"] = LAMBDA_RUNTIME
            resource["Properties"]["Architectures"] = [LAMBDA_ARCHITECTURE]


def add_tables_policy(template: dict[str, Any]) -> None:
    policies = template["Resources"]["DefaultRole"]["Properties"]["Policies"]
    policies[:] = [p for p in policies if p.get("PolicyName") != "PortalTables"]
    policies.append(tables_policy())


def load_template(path: Path) -> dict[str, Any]:
    """A CloudFormation template, JSON or YAML with short-form intrinsics (`!Sub`, `!Ref`)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return dict(json.loads(text))
    from chalice.package import YAMLTemplateSerializer

    return YAMLTemplateSerializer().load_template(text, str(path))


def _chalice() -> str:
    beside = Path(sys.executable).parent / "chalice"
    return str(beside) if beside.exists() else "chalice"


def package(stage: str, out_dir: Path, *, offline: bool = False, region: str = "") -> Package:
    out_dir = out_dir.resolve()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    with tempfile.TemporaryDirectory(prefix="nmo-package-") as tmp:
        staging = Path(tmp) / "project"
        staging.mkdir()
        stage_project(staging, offline=offline)
        # A YAML merge template makes chalice emit YAML; the JSON form keeps one output format.
        merge = Path(tmp) / "api.json"
        merge.write_text(json.dumps(load_template(MERGE_TEMPLATE)), encoding="utf-8")
        env = dict(os.environ)
        # chalice insists on a region even though packaging makes no AWS call.
        env.setdefault("AWS_DEFAULT_REGION", region or env.get("AWS_REGION") or "eu-central-1")
        command = [
            _chalice(),
            "--project-dir",
            str(staging),
            "package",
            "--stage",
            stage,
            "--merge-template",
            str(merge),
            str(out_dir),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
    template_path = out_dir / "sam.json"
    template = json.loads(template_path.read_text(encoding="utf-8"))
    set_runtime(template)
    add_tables_policy(template)
    template_path.write_text(json.dumps(template, indent=2, ensure_ascii=False), encoding="utf-8")
    built = Package(template=template_path, zip=out_dir / "deployment.zip")
    strip_zip(built.zip, STRIPPED_FROM_ZIP)
    check_zip(built.zip)
    return built


def strip_zip(path: Path, prefixes: tuple[str, ...]) -> None:
    """Rewrite the zip without entries under `prefixes` (a dependency's own test suite)."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if not any(n.startswith(prefixes) for n in names):
            return
        rewritten = path.with_suffix(".tmp")
        with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
            for info in archive.infolist():
                if not info.filename.startswith(prefixes):
                    target.writestr(info, archive.read(info.filename))
    rewritten.replace(path)


def check_zip(path: Path) -> None:
    """Refuse a package that carries what the runtime provides or what only tests need."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    leaked = sorted({n.split("/", 1)[0] for n in names if n.startswith(FORBIDDEN_IN_ZIP)})
    if leaked:
        raise RuntimeError(f"the Lambda package must not contain {', '.join(leaked)}")
    if "app.py" not in names:
        raise RuntimeError("the Lambda package has no app.py")
    # A compiled module is built for one glibc and CPU; the package is pure Python by design
    # (chalicelib/esia/rsa.py), so any native file is a dependency change to review.
    native = sorted(n for n in names if n.endswith((".so", ".pyd")) or ".so." in n)
    if native:
        raise RuntimeError(f"the Lambda package must be pure Python, found {', '.join(native)}")


def runtime_layout(zip_path: Path, into: Path) -> tuple[Path, Path]:
    """The package as the Lambda runtime sees it: (the task root — the zip unpacked, a directory
    holding only the runtime's own modules, linked from this environment). Imported with
    `python -S` and these two on the path, a module the package forgot fails as in the cloud."""
    import importlib.util

    task, runtime = into / "task", into / "runtime"
    runtime.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task)
    for name in RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{name} (part of the Lambda runtime) is not installed here")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime / source.name).symlink_to(source)
    return task, runtime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Сборка пакета Lambda и шаблона SAM для API")
    parser.add_argument("--stage", default="pilot", help="стадия из functions/.chalice/config.json")
    parser.add_argument("--out", default=str(ROOT / "build" / "api"), help="каталог результата")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="взять зависимости из установленного окружения, без обращения к сети",
    )
    args = parser.parse_args(argv)
    built = package(args.stage, Path(args.out), offline=args.offline)
    print(f"шаблон: {built.template}")
    print(f"пакет Lambda: {built.zip} ({built.zip_bytes / 1024:.0f} КБ)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

