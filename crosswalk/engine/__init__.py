"""The engine that runs the mapping language: the context rules edit through (run), the ops, the ledger that
follows every source leaf, --keep-source parking (keep), and the report built from the ledger."""
