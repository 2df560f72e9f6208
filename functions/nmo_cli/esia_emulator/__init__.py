"""The local ЕСИА emulator (a separate small server) and the key material it and the API share."""

from .files import CLIENT_ID, LocalEsiaFiles, emulator_env, prepare_local_esia
from .server import EmulatorFaults, EmulatorServer, EsiaEmulator, make_emulator_server

__all__ = [
    "CLIENT_ID",
    "EmulatorFaults",
    "EmulatorServer",
    "EsiaEmulator",
    "LocalEsiaFiles",
    "emulator_env",
    "make_emulator_server",
    "prepare_local_esia",
]
