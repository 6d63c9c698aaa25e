"""One exception tree for the whole service, each error paired with an exit code.

Messages are shown to operators as they are, in the CLI, the log and the web UI, so they say
what is wrong and what to do. They never carry document text: a classified document's content
must not reach a log line or an error page.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS_FOUND = 1  # audit found problems, verification failed
    BAD_ARGS = 2
    NOT_FOUND = 3
    NOT_INITIALISED = 4
    INPUT_REJECTED = 5
    EXTERNAL_TOOL = 6
    VAULT_LOCKED = 7
    INTERNAL = 15


class SohoaError(Exception):
    """Base of every error we raise on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL


class SettingsError(SohoaError):
    exit_code = ExitCode.BAD_ARGS


class NotInitialisedError(SohoaError):
    exit_code = ExitCode.NOT_INITIALISED


class NotFoundError(SohoaError):
    exit_code = ExitCode.NOT_FOUND


class InputRejected(SohoaError):
    """The file cannot become an archived document; it goes to quarantine with `reason`.

    `code` is a stable machine-readable reason (e.g. ``encrypted``); `transient` marks failures
    worth retrying later (a timeout, a locked file) as opposed to bad content.
    """

    exit_code = ExitCode.INPUT_REJECTED

    def __init__(self, code: str, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.transient = transient


class ExternalToolError(SohoaError):
    """An external program (tesseract, ocrmypdf, qpdf, gs) failed or timed out."""

    exit_code = ExitCode.EXTERNAL_TOOL

    def __init__(self, tool: str, message: str, *, timed_out: bool = False) -> None:
        super().__init__(f"{tool}: {message}")
        self.tool = tool
        self.timed_out = timed_out


class VaultLockedError(SohoaError):
    exit_code = ExitCode.VAULT_LOCKED


class VaultBusyError(VaultLockedError):
    """The passphrase could not be checked: the machine was too slow, not the passphrase wrong."""


class IntegrityError(SohoaError):
    """Something stored does not match what was recorded."""

    exit_code = ExitCode.PROBLEMS_FOUND


class PermissionDenied(SohoaError):
    exit_code = ExitCode.NOT_FOUND  # to the outside, a denied classified record does not exist
