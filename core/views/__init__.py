"""Staff pages of the core app, one module per page group."""
