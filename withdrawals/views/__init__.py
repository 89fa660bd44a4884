"""Counter pages for withdrawal applications, one module per page group."""
