"""sohoa: digitize, classify, sign, archive and search Vietnamese administrative records.

This package holds what every stage shares (settings, errors, records, Vietnamese text helpers,
logging, external-program wrappers) plus the orchestrator and the command line. Stages
(`ingest`, `ocr`, `classification`, `archive`, `search`, `web`) import from `sohoa` core
modules only; `sohoa.cli` and `sohoa.pipeline` import the stages, never the other way round.
"""

__version__ = "0.1.0"
