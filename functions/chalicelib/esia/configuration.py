"""Which ЕСИА settings a stage that talks to a real ЕСИА must have, named in Russian.

Locally the emulator fills them in (nmo_cli.esia_emulator.emulator_env). Anywhere else a
missing one must stop the stage with a message naming each setting, never fall back to a
default such as the emulator's 127.0.0.1 address. One list, used by the API (a deployed
stage refuses requests), `nmo serve` with an external ЕСИА and `make deploy`.
"""

from __future__ import annotations

from collections.abc import Mapping

LOCAL_STAGE = "local"

_ALWAYS: tuple[tuple[str, str], ...] = (
    (
        "NMO_ESIA_BASE_URL",
        "адрес ЕСИА: https://esia-portal1.test.gosuslugi.ru (тестовая) или https://esia.gosuslugi.ru",
    ),
    ("NMO_ESIA_CLIENT_ID", "мнемоника системы в ЕСИА"),
    ("NMO_ESIA_CERT_FILE", "сертификат системы (PEM), зарегистрированный в ЕСИА"),
    (
        "NMO_ESIA_TOKEN_CERTS",
        "сертификаты ЕСИА для проверки маркеров (PEM; RSA и/или ГОСТ, два через «:» при смене)",
    ),
    (
        "NMO_ESIA_ISSUERS",
        "издатели маркеров (iss) через пробел, как их пишет ЕСИА, например http://esia.gosuslugi.ru/",
    ),
)


class EsiaNotConfigured(RuntimeError):
    """The stage lacks ЕСИА settings; the message (Russian, for the operator) names each."""

    def __init__(self, missing: list[tuple[str, str]]):
        self.missing = missing
        lines = "\n".join(f"  {name} — {what}" for name, what in missing)
        super().__init__(f"Вход через Госуслуги не настроен: не заданы настройки ЕСИА\n{lines}")

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.missing]


def missing_settings(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, what it is) of every ЕСИА setting a real-ЕСИА stage lacks, in a stable order."""

    def has(name: str) -> bool:
        return bool(str(env.get(name, "")).strip())

    missing = [(name, what) for name, what in _ALWAYS if not has(name)]
    signer = str(env.get("NMO_ESIA_SIGNER", "")).strip()
    if signer == "remote":
        if not has("NMO_ESIA_SIGNER_URL"):
            missing.append(("NMO_ESIA_SIGNER_URL", "адрес сервиса подписи (https://…)"))
    elif not (has("NMO_ESIA_KEY_FILE") or has("NMO_ESIA_KEY_PARAM")):
        missing.append(
            (
                "NMO_ESIA_KEY_FILE",
                "ключ ГОСТ системы (или NMO_ESIA_KEY_PARAM; для продуктивной среды — "
                "NMO_ESIA_SIGNER=remote и NMO_ESIA_SIGNER_URL)",
            )
        )
    if not (has("NMO_ESIA_REDIRECT_URI") or has("NMO_PUBLIC_URL")):
        missing.append(
            (
                "NMO_ESIA_REDIRECT_URI",
                "адрес возврата из ЕСИА, зарегистрированный для системы "
                "(или NMO_PUBLIC_URL: тогда …/api/auth/esia/callback)",
            )
        )
    return missing


def require_complete(env: Mapping[str, str]) -> None:
    """Raise EsiaNotConfigured naming every missing setting."""
    missing = missing_settings(env)
    if missing:
        raise EsiaNotConfigured(missing)
