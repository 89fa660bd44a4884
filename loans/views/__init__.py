"""Staff pages of the loans app (one module per page group)."""
