"""Golden files of the report renderers (the sample reports behind them: tests/helpers/reports.py)."""
