"""Staff pages of the ledger, one module per page group."""
