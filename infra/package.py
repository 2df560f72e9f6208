"""Builds the API's deployment package and SAM template with `chalice package`.

The project is copied to a staging directory, so packaging never writes into `functions/`.
`--offline` vendors the runtime requirements from the installed environment (no dependencies,
no network) and hands chalice an empty requirements file; without it chalice runs its own
`pip download`, which picks Lambda-compatible wheels (what a real deploy wants). Either way
boto3/botocore stay out: the Lambda runtime provides them (17 MB vs 0.2 MB, measured.md).
After packaging, the Lambda's DynamoDB policy is generated from the models (`PortalTables`).
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

# Item actions the API performs (transactions need the per-item actions; PynamoDB reads the
# table description once per cold start). No Scan, no table administration, no wildcard.
TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
INDEX_ACTIONS = ("dynamodb:Query",)
# chalice/ itself is needed: it is the runtime part of the framework (app.py imports it).
# gostcrypto's wheel ships its test suite as a top-level `tests` package.
STRIPPED_FROM_ZIP = ("tests/",)
FORBIDDEN_IN_ZIP = ("boto3/", "botocore/", "s3transfer/", "moto/", "pytest/", "nmo_cli/")


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


def stage_project(staging: Path, *, offline: bool) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copy2(FUNCTIONS / "app.py", staging / "app.py")
    shutil.copytree(FUNCTIONS / "chalicelib", staging / "chalicelib", ignore=ignore)
    (staging / ".chalice").mkdir()
    shutil.copy2(FUNCTIONS / ".chalice" / "config.json", staging / ".chalice" / "config.json")
    if offline:
        vendor_installed(runtime_requirements(), staging / "vendor")
        (staging / "requirements.txt").write_text("", encoding="utf-8")
    else:
        shutil.copy2(FUNCTIONS / "requirements.txt", staging / "requirements.txt")


def _arn(resource: str) -> dict[str, str]:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:" + resource
    }


def tables_policy() -> dict[str, Any]:
    """The Lambda's DynamoDB permissions: each model's table, and Query on its declared indexes."""
    tables = [_arn("table/${TablePrefix}" + model.table) for model in ALL_MODELS]
    indexes = [
        _arn("table/${TablePrefix}" + model.table + "/index/" + index.Meta.index_name)
        for model in ALL_MODELS
        for index in sorted(model._indexes.values(), key=lambda i: i.Meta.index_name)
    ]
    statements: list[dict[str, Any]] = [
        {"Sid": "OwnTables", "Effect": "Allow", "Action": list(TABLE_ACTIONS), "Resource": tables}
    ]
    if indexes:
        statements.append(
            {
                "Sid": "OwnIndexes",
                "Effect": "Allow",
                "Action": list(INDEX_ACTIONS),
                "Resource": indexes,
            }
        )
    return {
        "PolicyName": "PortalTables",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
    }


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
