"""Forms of the ledger's staff pages; the reconciliation page posts no fields, so there are none yet."""
