"""Writes the Yandex Cloud deployment (infra/yandex/) from the code: Terraform as JSON, the
document tables from the PynamoDB models, the API Gateway spec from the Chalice route table.

Terraform's JSON syntax (`*.tf.json`) is generated rather than HCL typed by hand, for the same
reason infra/tables.json is: nothing that follows from the models or the routes is written
twice, and a test compares the committed files with a fresh generation (`nmo yandex generate
--check`). No Terraform is needed to generate or to check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from chalicelib.db.models import ALL_MODELS, PortalModel
from chalicelib.db.models.schema import schema_of

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "infra" / "yandex"
GATEWAY_SPEC = "api-gateway.json"
# Placeholders of the gateway spec, filled by Terraform's templatefile() (main.tf.json).
SPEC_VARS = ("function_id", "gateway_sa_id", "site_bucket")
FUNCTION_ENTRYPOINT = "yandex_handler.handler"
FUNCTION_RUNTIME = "python312"
FUNCTION_CODE_DIR = "/function/code"
REGION = "ru-central1"
POSTBOX_ENDPOINT = "https://postbox.cloud.yandex.net"
# Secrets in Lockbox: entry key → what it is. The function reads them by reference
# (`lockbox:<id>/<key>`) through chalicelib/lockbox.py; values never reach the environment.
APP_SECRETS = {
    "session-key": "NMO_SESSION_KEY_PARAM",
    "origin-verify": "NMO_ORIGIN_VERIFY_PARAM",
    "esia-signer-token": "NMO_ESIA_SIGNER_TOKEN_PARAM",
}


# Tables ------------------------------------------------------------------------------------


def table_resource(model: type[PortalModel]) -> dict[str, Any]:
    """One document table (YDB Document API) as Terraform's aws_dynamodb_table, which YDB's
    documentation uses with the AWS provider pointed at the database's Document API endpoint."""
    schema = schema_of(model)
    indexes = []
    for index in schema.indexes:
        gsi: dict[str, Any] = {
            "name": index.name,
            "hash_key": index.hash_key,
            "projection_type": index.projection_type,
        }
        if index.range_key:
            gsi["range_key"] = index.range_key
        if index.non_key_attributes:
            gsi["non_key_attributes"] = list(index.non_key_attributes)
        indexes.append(gsi)
    hash_key, range_key, key_types = schema.hash_key, schema.range_key, schema.key_types
    table: dict[str, Any] = {
        "provider": "aws.ydb",
        "name": "${var.table_prefix}" + model.table,
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": hash_key,
        "attribute": [{"name": n, "type": t} for n, t in sorted(key_types.items())],
    }
    if range_key:
        table["range_key"] = range_key
    if indexes:
        table["global_secondary_index"] = indexes
    if model.ttl_attribute:
        table["ttl"] = {"attribute_name": model.ttl_attribute, "enabled": True}
    # No point_in_time_recovery / server_side_encryption / stream: YDB's Document API has none of
    # them (db/README.md); backups are YDB's own (yandex_ydb_database_serverless) and nmo db backup.
    table["lifecycle"] = {"prevent_destroy": True}
    return table


def resource_name(model: type[PortalModel]) -> str:
    return model.table.replace("-", "_")


def tables_tf() -> dict[str, Any]:
    return {
        "resource": {
            "aws_dynamodb_table": {resource_name(m): table_resource(m) for m in ALL_MODELS}
        }
    }


# API Gateway ------------------------------------------------------------------------------


def _function_integration() -> dict[str, Any]:
    return {
        "type": "cloud_functions",
        "function_id": "${function_id}",
        "tag": "$latest",
        "service_account_id": "${gateway_sa_id}",
        "payload_format_version": "0.1",
    }


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in re.findall(r"{(\w+)}", path)
    ]


def gateway_spec(app: Any) -> dict[str, Any]:
    """The API Gateway specification: one entry per route of the app (method by method, to the
    function), any other /api/ path to the function too (it answers the contract's 404), and the
    static site from the private bucket through the gateway's service account."""
    from chalicelib.openapi import build_openapi

    document = build_openapi(app)
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        entry: dict[str, Any] = {}
        for method, op in item.items():
            operation: dict[str, Any] = {
                "operationId": op["operationId"],
                "summary": op["summary"],
                "responses": {"default": {"description": "Ответ функции"}},
                "x-yc-apigateway-integration": _function_integration(),
            }
            if _path_parameters(path):
                operation["parameters"] = _path_parameters(path)
            entry[method] = operation
        paths[path] = entry
    greedy = [
        {"name": "rest", "in": "path", "required": True, "schema": {"type": "string"}},
    ]
    paths["/api/{rest+}"] = {
        "x-yc-apigateway-any-method": {
            "operationId": "apiUnknownPath",
            "summary": "Любой другой адрес /api/: функция отвечает 404 в формате контракта",
            "parameters": greedy,
            "responses": {"default": {"description": "Ответ функции"}},
            "x-yc-apigateway-integration": _function_integration(),
        }
    }
    storage = {
        "type": "object_storage",
        "bucket": "${site_bucket}",
        "service_account_id": "${gateway_sa_id}",
    }
    paths["/"] = {
        "get": {
            "operationId": "siteIndex",
            "summary": "Главная страница сайта",
            "responses": {"default": {"description": "Файл сайта"}},
            "x-yc-apigateway-integration": {**storage, "object": "index.html"},
        }
    }
    paths["/{file+}"] = {
        "get": {
            "operationId": "siteFile",
            "summary": "Файл сайта; для адреса страницы (…/) — её index.html",
            "parameters": [
                {"name": "file", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"default": {"description": "Файл сайта"}},
            # MkDocs pages are `dir/` → `dir/index.html`: the object is tried first, then the
            # page's index (parameters are substituted into error_object too).
            "x-yc-apigateway-integration": {
                **storage,
                "object": "{file}",
                "error_object": "{file}index.html",
            },
        }
    }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Портал НМО", "version": "1"},
        # Exact paths, as API Gateway on AWS matches them: `/cabinet/` keeps its slash, so the
        # site's `{file}` of a page ends with `/` and error_object finds its index.html.
        "x-yc-apigateway": {"ignoreTrailingSlashes": False},
        "paths": paths,
    }


# The rest of the deployment ------------------------------------------------------------------


def _var(description: str, default: Any = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "description": description, **extra}
    if default is not None:
        out["default"] = default
    return out


def _security_headers() -> dict[str, str]:
    from .devserver import security_headers

    headers = dict(security_headers("${var.site_csp}"))
    headers["Strict-Transport-Security"] = (
        "max-age=63072000; includeSubDomains"  # as infra/site.yaml
    )
    return headers


def main_tf() -> dict[str, Any]:
    fn_sa = "${yandex_iam_service_account.function.id}"
    gw_sa = "${yandex_iam_service_account.gateway.id}"
    secrets = "${yandex_lockbox_secret.app.id}"
    environment = {
        "NMO_STAGE": "${var.stage}",
        "NMO_TABLE_PREFIX": "${var.table_prefix}",
        "NMO_DYNAMODB_ENDPOINT": "${yandex_ydb_database_serverless.portal.document_api_endpoint}",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "NMO_PUBLIC_URL": "https://${var.domain}",
        "NMO_MAIL_TRANSPORT": "ses",  # Postbox speaks the SES v2 API (chalicelib/mail)
        "NMO_MAIL_FROM": "noreply@${var.mail_domain}",
        "NMO_SES_ENDPOINT": POSTBOX_ENDPOINT,
        "NMO_SES_REGION": REGION,
        "NMO_ESIA_BASE_URL": "${var.esia_base_url}",
        "NMO_ESIA_CLIENT_ID": "${var.esia_client_id}",
        "NMO_ESIA_SIGNER": "remote",
        "NMO_ESIA_SIGNER_URL": "${var.esia_signer_url}",
        "NMO_ESIA_REDIRECT_URI": "https://${var.domain}/api/auth/esia/callback",
        # Certificates ship in the package (chalicelib/esia/certs/<stage>/, as for Lambda);
        # Cloud Functions unpacks the code into FUNCTION_CODE_DIR.
        "NMO_ESIA_CERT_FILE": f"{FUNCTION_CODE_DIR}/" + "${var.esia_cert_file}",
        "NMO_ESIA_TOKEN_CERTS": f"{FUNCTION_CODE_DIR}/" + "${var.esia_token_cert_file}",
        "NMO_ESIA_ISSUERS": "${var.esia_issuers}",
    }
    for key, setting in APP_SECRETS.items():
        environment[setting] = f"lockbox:{secrets}/{key}"
    return {
        "terraform": {
            "required_version": ">= 1.5",
            "required_providers": {
                "yandex": {"source": "yandex-cloud/yandex", "version": ">= 0.129"},
                "aws": {"source": "hashicorp/aws", "version": ">= 5.0"},
                "random": {"source": "hashicorp/random", "version": ">= 3.5"},
            },
        },
        "variable": {
            "cloud_id": _var("Облако Yandex Cloud"),
            "folder_id": _var("Каталог, в котором создаётся всё"),
            "stage": _var("Стадия: pilot, prod", "pilot"),
            "table_prefix": _var("Префикс имён таблиц (NMO_TABLE_PREFIX)", "nmo-pilot-"),
            "domain": _var("Домен портала (сайт и /api на одном адресе), например nmo.example.ru"),
            "certificate_id": _var("Сертификат домена в Certificate Manager"),
            "site_bucket": _var("Имя бакета сайта (глобально уникальное)"),
            "site_csp": _var("Content-Security-Policy собранного сайта: $(nmo site csp)"),
            "function_zip": _var(
                "Пакет функции (nmo yandex package), путь от infra/yandex",
                "../../build/yandex-function.zip",
            ),
            "esia_base_url": _var("Адрес ЕСИА", "https://esia.gosuslugi.ru"),
            "esia_client_id": _var("Мнемоника системы в ЕСИА"),
            "esia_signer_url": _var("HTTPS-адрес сервиса подписи ГОСТ (КриптоПро)"),
            "esia_cert_file": _var("Сертификат системы в пакете: chalicelib/esia/certs/…pem"),
            "esia_token_cert_file": _var("Сертификат ЕСИА для маркеров в пакете (PEM)"),
            "esia_issuers": _var("Издатели маркеров ЕСИА через пробел, как их пишет ЕСИА"),
            "mail_domain": _var("Домен отправителя писем в Postbox"),
            "mail_dkim_selector": _var("Селектор DKIM Postbox", "postbox"),
            "mail_dkim_private_key": _var("Закрытый ключ DKIM (PEM)", sensitive=True),
            "ydb_access_key": _var(
                "Статический ключ (id) сервисного аккаунта развёртывания для Document API"
            ),
            "ydb_secret_key": _var("Его секрет", sensitive=True),
        },
        "provider": {
            "yandex": {"cloud_id": "${var.cloud_id}", "folder_id": "${var.folder_id}"},
            # The AWS provider speaks the DynamoDB and SES v2 APIs; pointed at YDB's Document
            # API and at Postbox it manages document tables and the mail identity. No AWS
            # account is involved: every AWS-side check is switched off.
            "aws": [
                {
                    "alias": "ydb",
                    "region": REGION,
                    "access_key": "${var.ydb_access_key}",
                    "secret_key": "${var.ydb_secret_key}",
                    "skip_credentials_validation": True,
                    "skip_metadata_api_check": True,
                    "skip_region_validation": True,
                    "skip_requesting_account_id": True,
                    "endpoints": {
                        "dynamodb": (
                            "${yandex_ydb_database_serverless.portal.document_api_endpoint}"
                        )
                    },
                },
                {
                    "alias": "postbox",
                    "region": REGION,
                    "access_key": "${var.ydb_access_key}",
                    "secret_key": "${var.ydb_secret_key}",
                    "skip_credentials_validation": True,
                    "skip_metadata_api_check": True,
                    "skip_region_validation": True,
                    "skip_requesting_account_id": True,
                    "endpoints": {"sesv2": POSTBOX_ENDPOINT},
                },
            ],
        },
        "resource": {
            "yandex_ydb_database_serverless": {
                "portal": {
                    "name": "nmo-${var.stage}",
                    "folder_id": "${var.folder_id}",
                    "deletion_protection": True,
                    "serverless_database": {"storage_size_limit": 10},
                }
            },
            "yandex_iam_service_account": {
                "function": {
                    "name": "nmo-${var.stage}-function",
                    "description": "Функция API: таблицы портала, свои секреты, отправка писем",
                },
                "gateway": {
                    "name": "nmo-${var.stage}-gateway",
                    "description": "API Gateway: вызов функции и чтение бакета сайта",
                },
            },
            # Least privilege: every role on the one resource it is needed for. Postbox has
            # no resource-level roles, so postbox.sender is the one folder binding.
            "yandex_ydb_database_iam_binding": {
                "function_tables": {
                    "database_id": "${yandex_ydb_database_serverless.portal.id}",
                    "role": "ydb.editor",
                    "members": [f"serviceAccount:{fn_sa}"],
                }
            },
            "yandex_lockbox_secret_iam_binding": {
                "function_reads_app_secrets": {
                    "secret_id": secrets,
                    "role": "lockbox.payloadViewer",
                    "members": [f"serviceAccount:{fn_sa}"],
                },
                "function_reads_its_key": {
                    "secret_id": "${yandex_lockbox_secret.function_key.id}",
                    "role": "lockbox.payloadViewer",
                    "members": [f"serviceAccount:{fn_sa}"],
                },
            },
            "yandex_resourcemanager_folder_iam_member": {
                "function_sends_mail": {
                    "folder_id": "${var.folder_id}",
                    "role": "postbox.sender",
                    "member": f"serviceAccount:{fn_sa}",
                }
            },
            "yandex_function_iam_binding": {
                "gateway_invokes": {
                    "function_id": "${yandex_function.api.id}",
                    "role": "functions.functionInvoker",
                    "members": [f"serviceAccount:{gw_sa}"],
                }
            },
            "yandex_storage_bucket_iam_binding": {
                "gateway_reads_site": {
                    "bucket": "${yandex_storage_bucket.site.bucket}",
                    "role": "storage.viewer",
                    "members": [f"serviceAccount:{gw_sa}"],
                }
            },
            # The static key signs the function's Document API and Postbox calls (SigV4, as
            # boto3 does). It reaches the function as two environment variables from Lockbox.
            "yandex_iam_service_account_static_access_key": {
                "function": {
                    "service_account_id": fn_sa,
                    "description": "Document API (YDB) и Postbox для функции портала",
                }
            },
            "random_password": {
                "session_key": {"length": 64, "special": False},
                "origin_verify": {"length": 48, "special": False},
            },
            "yandex_lockbox_secret": {
                "app": {
                    "name": "nmo-${var.stage}-app",
                    "description": "Ключ сессий, секрет CDN, токен сервиса подписи ЕСИА",
                    "deletion_protection": True,
                },
                "function_key": {
                    "name": "nmo-${var.stage}-function-key",
                    "description": "Статический ключ функции (Document API, Postbox)",
                    "deletion_protection": True,
                },
            },
            "yandex_lockbox_secret_version": {
                "app": {
                    "secret_id": secrets,
                    "entries": [
                        {
                            "key": "session-key",
                            "text_value": "${random_password.session_key.result}",
                        },
                        {
                            "key": "origin-verify",
                            "text_value": "${random_password.origin_verify.result}",
                        },
                        # The operator replaces it with the signer's real token (yc lockbox
                        # secret add-version); Terraform ignores the change afterwards.
                        {"key": "esia-signer-token", "text_value": "ЗАМЕНИТЬ"},
                    ],
                    "lifecycle": {"ignore_changes": ["entries"]},
                },
                "function_key": {
                    "secret_id": "${yandex_lockbox_secret.function_key.id}",
                    "entries": [
                        {
                            "key": "access-key-id",
                            "text_value": (
                                "${yandex_iam_service_account_static_access_key.function.access_key}"
                            ),
                        },
                        {
                            "key": "secret-access-key",
                            "text_value": (
                                "${yandex_iam_service_account_static_access_key.function.secret_key}"
                            ),
                        },
                    ],
                },
            },
            "yandex_function": {
                "api": {
                    "name": "nmo-${var.stage}-api",
                    "runtime": FUNCTION_RUNTIME,
                    "entrypoint": FUNCTION_ENTRYPOINT,
                    "memory": 512,
                    "execution_timeout": "30",
                    "service_account_id": fn_sa,
                    "user_hash": "${filesha256(var.function_zip)}",
                    "content": {"zip_filename": "${var.function_zip}"},
                    "environment": environment,
                    "secrets": [
                        {
                            "id": "${yandex_lockbox_secret.function_key.id}",
                            "version_id": "${yandex_lockbox_secret_version.function_key.id}",
                            "key": "access-key-id",
                            "environment_variable": "AWS_ACCESS_KEY_ID",
                        },
                        {
                            "id": "${yandex_lockbox_secret.function_key.id}",
                            "version_id": "${yandex_lockbox_secret_version.function_key.id}",
                            "key": "secret-access-key",
                            "environment_variable": "AWS_SECRET_ACCESS_KEY",
                        },
                    ],
                    "depends_on": [
                        "yandex_lockbox_secret_iam_binding.function_reads_its_key",
                    ],
                }
            },
            "yandex_function_trigger": {
                "finish_events": {
                    "name": "nmo-${var.stage}-finish-events",
                    "description": "Каждый час: завершить прошедшие мероприятия",
                    "timer": {"cron_expression": "0 * ? * * *"},
                    "function": {
                        "id": "${yandex_function.api.id}",
                        "service_account_id": gw_sa,
                    },
                }
            },
            "yandex_storage_bucket": {
                "site": {
                    "bucket": "${var.site_bucket}",
                    "folder_id": "${var.folder_id}",
                    "max_size": 1073741824,
                    "versioning": {"enabled": True},
                    "anonymous_access_flags": {"read": False, "list": False},
                }
            },
            "yandex_api_gateway": {
                "portal": {
                    "name": "nmo-${var.stage}",
                    "spec": (
                        '${templatefile("${path.module}/' + GATEWAY_SPEC + '", {'
                        "function_id = yandex_function.api.id, "
                        "gateway_sa_id = yandex_iam_service_account.gateway.id, "
                        "site_bucket = yandex_storage_bucket.site.bucket})}"
                    ),
                }
            },
            "yandex_cdn_origin_group": {
                "portal": {
                    "name": "nmo-${var.stage}",
                    "origin": [{"source": "${yandex_api_gateway.portal.domain}"}],
                }
            },
            "yandex_cdn_resource": {
                "portal": {
                    "cname": "${var.domain}",
                    "active": True,
                    "origin_protocol": "https",
                    "origin_group_id": "${yandex_cdn_origin_group.portal.id}",
                    "ssl_certificate": {
                        "type": "certificate_manager",
                        "certificate_manager_id": "${var.certificate_id}",
                    },
                    "options": {
                        "redirect_http_to_https": True,
                        # The same security headers as the local server and CloudFront; the
                        # CSP carries the built site's script hashes (`nmo site csp`).
                        "static_response_headers": _security_headers(),
                        # The function refuses /api/ calls without it (chalicelib/edge.py):
                        # the gateway's own address cannot be used to bypass the CDN.
                        "static_request_headers": {
                            "X-Origin-Verify": "${random_password.origin_verify.result}"
                        },
                        # Nothing is cached at the edge: the API's answers are personal, and
                        # one resource serves both. Browsers still cache the site's files by
                        # the Cache-Control the bucket objects carry (site_publish).
                        "disable_cache": True,
                        "allowed_http_methods": [
                            "GET",
                            "HEAD",
                            "POST",
                            "PUT",
                            "PATCH",
                            "DELETE",
                            "OPTIONS",
                        ],
                        # The gateway answers on its own domain; cookies and the query reach it.
                        "forward_host_header": False,
                        "ignore_cookie": False,
                        "ignore_query_params": False,
                    },
                }
            },
            "aws_sesv2_email_identity": {
                "mail": {
                    "provider": "aws.postbox",
                    "email_identity": "${var.mail_domain}",
                    "dkim_signing_attributes": {
                        "domain_signing_private_key": (
                            "${base64encode(var.mail_dkim_private_key)}"
                        ),
                        "domain_signing_selector": "${var.mail_dkim_selector}",
                    },
                }
            },
        },
        "output": {
            "gateway_domain": {"value": "${yandex_api_gateway.portal.domain}"},
            "cdn_cname": {"value": "${yandex_cdn_resource.portal.provider_cname}"},
            "document_api_endpoint": {
                "value": "${yandex_ydb_database_serverless.portal.document_api_endpoint}"
            },
        },
    }


# Writing and checking ------------------------------------------------------------------------


def rendered(app: Any) -> dict[str, str]:
    """File name → content, exactly as committed."""

    def text(data: dict[str, Any]) -> str:
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"

    return {
        "main.tf.json": text(main_tf()),
        "tables.tf.json": text(tables_tf()),
        GATEWAY_SPEC: text(gateway_spec(app)),
    }


def write(out_dir: Path, app: Any) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in rendered(app).items():
        path = out_dir / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def stale(out_dir: Path, app: Any) -> list[str]:
    """Names of the files that differ from a fresh generation (missing ones included)."""
    out = []
    for name, content in rendered(app).items():
        path = out_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            out.append(name)
    return out


# The function's package ----------------------------------------------------------------------

FUNCTIONS = REPO / "functions"
# boto3/botocore are pinned with chalice and moto in pyproject.toml; Lambda's runtime provides
# them, Yandex's Python runtime does not, so its builder installs them from requirements.txt.
_PINNED_FROM_PYPROJECT = ("boto3", "botocore")


def function_requirements() -> str:
    """functions/requirements.txt plus the boto3/botocore pins of pyproject.toml."""
    own = (FUNCTIONS / "requirements.txt").read_text(encoding="utf-8")
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    extra = []
    for name in _PINNED_FROM_PYPROJECT:
        found = re.search(rf'"({name}==[^"]+)"', pyproject)
        if not found:
            raise RuntimeError(f"{name} is not pinned in pyproject.toml")
        extra.append(found.group(1))
    note = (
        "# Yandex Cloud Functions: its builder installs these; boto3/botocore are not provided.\n"
    )
    return own.rstrip("\n") + "\n" + note + "\n".join(extra) + "\n"


def package(out: Path) -> Path:
    """The zip Cloud Functions runs: the app, its entry point, Chalice's runtime module (as
    `chalice package` vendors it) and requirements.txt for the platform's builder."""
    import zipfile

    import chalice

    chalice_dir = Path(chalice.__file__).parent
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("app.py", "yandex_handler.py"):
            archive.write(FUNCTIONS / name, name)
        for path in sorted((FUNCTIONS / "chalicelib").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(FUNCTIONS).as_posix())
        for name in ("__init__.py", "app.py"):
            archive.write(chalice_dir / name, f"chalice/{name}")
        archive.writestr("requirements.txt", function_requirements())
    return out
