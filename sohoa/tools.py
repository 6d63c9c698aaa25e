"""External programs at the edge: one `run_tool()` that bounds time, logs, and converts failures.

Children run in their own process group so a timeout kills the whole tree (ocrmypdf starts
tesseract and ghostscript). Arguments and stderr are logged at debug level only as program name
and exit status: stderr of OCR tools can contain recognised text.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sohoa.errors import ExternalToolError
from sohoa.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    stdout: str
    stderr: str


def _limit_memory(max_bytes: int | None):  # type: ignore[no-untyped-def]
    def apply() -> None:
        os.setsid()
        if max_bytes:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))

    return apply


def run_tool(
    args: Sequence[str],
    *,
    timeout: float,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    max_memory_bytes: int | None = None,
    input_bytes: bytes | None = None,
) -> ToolResult:
    tool = os.path.basename(args[0])
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.Popen(
        list(args),
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        preexec_fn=_limit_memory(max_memory_bytes),  # noqa: PLW1509 (no threads started here)
    )
    try:
        out, err = proc.communicate(input=input_bytes, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        log.warning("tool.timeout", tool=tool, seconds=timeout)
        raise ExternalToolError(tool, f"timed out after {timeout:.0f} s", timed_out=True) from None
    except BaseException:
        _kill_group(proc)
        raise
    result = ToolResult(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))
    log.debug("tool.ran", tool=tool, rc=proc.returncode)
    if check and proc.returncode != 0:
        raise ExternalToolError(tool, f"exit status {proc.returncode}")
    return result


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
