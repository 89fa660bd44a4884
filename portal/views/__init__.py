"""Self-service pages for depositors and employer agents, one module per page group."""
