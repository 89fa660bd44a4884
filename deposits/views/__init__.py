"""Counter pages for deposits, one module per page group."""
