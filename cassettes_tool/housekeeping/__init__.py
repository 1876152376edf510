"""Housekeeping: the inventory (`list`, `show`), `prune` (cassettes and interactions no test uses)
and `audit` (secrets that reached disk), with the static scan of test sources they rely on."""
