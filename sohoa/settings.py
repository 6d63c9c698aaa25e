"""The one settings model: `HOME/sohoa.toml` plus `SOHOA_*` environment overrides.

Every setting has a safe default, is validated once at start-up and is passed down as a frozen
record; no module reads the environment or the file on its own. An override names the section
and key with a double underscore, e.g. ``SOHOA_OCR__PAGE_TIMEOUT_S=300`` or
``SOHOA_INGEST__QUIET_SECONDS=2``. `docs/settings.md` lists them all (a test keeps it honest).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from sohoa.errors import SettingsError

SETTINGS_FILE = "sohoa.toml"
ENV_PREFIX = "SOHOA_"


@dataclass(frozen=True)
class IngestSettings:
    inbox: str = ""  # empty: HOME/inbox
    quiet_seconds: float = 5.0  # size and mtime unchanged this long before a file is taken
    rescan_seconds: float = 180.0  # full scan of the inbox, for events the kernel dropped
    workers: int = 0  # 0: one per core
    max_attempts: int = 3  # transient failures are retried this many times in all
    retry_backoff_s: float = 30.0
    max_file_mb: int = 1024
    max_pages: int = 1000
    max_image_mpixels: float = 250.0  # decompression-bomb guard, per page


@dataclass(frozen=True)
class OcrSettings:
    languages: str = "vie"  # measured: "vie+eng" reads Vietnamese lines as English (docs/ocr.md)
    tessdata_dir: str = ""  # empty: HOME/tessdata if it holds vie.traineddata, else system
    page_timeout_s: float = 180.0  # tesseract, per page
    min_job_timeout_s: float = 300.0  # wall clock for one document: max(this, pages * page_timeout)
    preprocess: bool = True  # opencv clean-up of the image that is OCR'd
    clean_final: bool = False  # also show the cleaned image in the archival PDF
    review_confidence: float = 60.0  # pages under this mean word confidence go to review
    # Work files live in RAM (private 0700 subdirectories): no plaintext of a scan on disk.
    ram_tmp_dir: str = "/dev/shm"  # noqa: S108
    correct_text: bool = True  # Vietnamese post-OCR correction


@dataclass(frozen=True)
class ClassificationSettings:
    # Decisions under this confidence are treated as classified and sent to review.
    review_below: float = 0.85


@dataclass(frozen=True)
class ArchiveSettings:
    organisation: str = "Đảng ủy phường"
    pades_level: str = "B-B"  # B-T when tsa_url is set
    tsa_url: str = ""
    signing_passphrase_env: str = "SOHOA_SIGNING_PASSPHRASE"  # noqa: S105 (a variable name)


@dataclass(frozen=True)
class VaultSettings:
    # Whether the open catalog may hold a stub (id, level, date received) of a classified document.
    open_stub: bool = False
    passphrase_env: str = "SOHOA_VAULT_PASSPHRASE"  # noqa: S105 (a variable name)
    # The copy register's scan line: the standing authorisation under which classified documents
    # are scanned at this station, and who scans (`sohoa ingest --authorisation --scanned-by`).
    scan_authorisation: str = ""
    scanned_by: str = ""


@dataclass(frozen=True)
class SearchSettings:
    backend: str = "tantivy"  # "tantivy" (fast, default) or "whoosh" (pure Python)
    max_query_chars: int = 300
    page_size: int = 20


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    language: str = "vi"
    secure_cookies: bool = False  # set true when served over TLS (behind a proxy)
    login_attempts_per_minute: int = 5
    max_upload_mb: int = 200


@dataclass(frozen=True)
class LogSettings:
    level: str = "INFO"
    json: bool = False


@dataclass(frozen=True)
class Settings:
    home: Path
    ingest: IngestSettings = field(default_factory=IngestSettings)
    ocr: OcrSettings = field(default_factory=OcrSettings)
    classification: ClassificationSettings = field(default_factory=ClassificationSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    vault: VaultSettings = field(default_factory=VaultSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    web: WebSettings = field(default_factory=WebSettings)
    log: LogSettings = field(default_factory=LogSettings)

    @property
    def inbox(self) -> Path:
        return Path(self.ingest.inbox) if self.ingest.inbox else self.home / "inbox"

    @property
    def worker_count(self) -> int:
        return self.ingest.workers if self.ingest.workers > 0 else max(1, os.cpu_count() or 1)


SECTIONS: dict[str, type] = {
    f.name: f.default_factory  # type: ignore[misc]
    for f in fields(Settings)
    if f.name != "home"
}


def default_home() -> Path:
    return Path(os.environ.get("SOHOA_HOME") or "./sohoa-data").resolve()


def _coerce(value: Any, target: type, where: str) -> Any:
    try:
        if target is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        if target is int:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if target is float:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(
            f"setting {where}: {value!r} is not a valid {target.__name__}"
        ) from None


def _build_section(name: str, values: dict[str, Any]) -> Any:
    cls = SECTIONS[name]
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise SettingsError(f"unknown setting(s) in [{name}]: {', '.join(sorted(unknown))}")
    return cls(**{k: _coerce(v, hints[k], f"{name}.{k}") for k, v in values.items()})


def load_settings(home: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read HOME/sohoa.toml (if present) and apply SOHOA_SECTION__KEY overrides."""
    env = os.environ if environ is None else environ
    home = (home or default_home()).resolve()
    raw: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    path = home / SETTINGS_FILE
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
        for section, values in data.items():
            if section not in SECTIONS or not isinstance(values, dict):
                raise SettingsError(f"{path}: unknown section [{section}]")
            raw[section].update(values)
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or "__" not in key:
            continue
        section, _, name = key[len(ENV_PREFIX) :].lower().partition("__")
        if section in SECTIONS:
            raw[section][name] = value
    settings = Settings(home=home, **{name: _build_section(name, raw[name]) for name in SECTIONS})
    _validate(settings)
    return settings


def _validate(s: Settings) -> None:
    if s.ingest.quiet_seconds < 0 or s.ingest.rescan_seconds <= 0:
        raise SettingsError("ingest.quiet_seconds must be >= 0 and ingest.rescan_seconds > 0")
    if s.ingest.max_attempts < 1:
        raise SettingsError("ingest.max_attempts must be at least 1")
    if s.ocr.page_timeout_s <= 0:
        raise SettingsError("ocr.page_timeout_s must be positive")
    if s.archive.pades_level not in {"B-B", "B-T", "B-LT"}:
        raise SettingsError("archive.pades_level must be B-B, B-T or B-LT")
    if s.archive.pades_level != "B-B" and not s.archive.tsa_url:
        raise SettingsError(f"archive.pades_level {s.archive.pades_level} needs archive.tsa_url")
    if s.search.backend not in {"tantivy", "whoosh"}:
        raise SettingsError(f"search.backend {s.search.backend!r} is not available")
    if s.web.language not in {"vi", "en"}:
        raise SettingsError("web.language must be vi or en")


def render_default_toml() -> str:
    """The settings file `sohoa init` writes: every setting with its default, commented."""
    lines = ["# sohoa settings. Environment overrides: SOHOA_<SECTION>__<KEY>=value", ""]
    for name, cls in SECTIONS.items():
        lines.append(f"[{name}]")
        for f in fields(cls):
            default = f.default
            if isinstance(default, bool):
                shown = "true" if default else "false"
            elif isinstance(default, int | float):
                shown = repr(default)
            else:
                shown = '"' + str(default).replace("\\", "\\\\").replace('"', '\\"') + '"'
            lines.append(f"# {f.name} = {shown}")
        lines.append("")
    return "\n".join(lines)


def as_dict(settings: Settings) -> dict[str, Any]:
    out = dataclasses.asdict(settings)
    out["home"] = str(settings.home)
    return out
