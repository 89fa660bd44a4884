"""Counter pages for employers, depositors and personal accounts, one module per page group."""
