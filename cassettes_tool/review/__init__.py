"""Reviewing a drift report: the report model (JSON schema 1), its renderers (text, Markdown,
JUnit, HTML), accepting live responses into cassettes, baselines of acknowledged findings, and
merging the reports of sharded runs."""
