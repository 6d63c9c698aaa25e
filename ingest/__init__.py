"""Ingest stage: feeds files into the pipeline and never loses one.

Public surface: `sniff`, `validate` (with `Limits`), the job queue (`JobQueue`,
`SQLiteJobQueue`), `claim`/`quarantine_file`/`release` (`ingest.intake`) and the watcher
(`ingest.watcher.InboxWatcher`).
"""
