"""Every write of the deposits app, one module per capability:
remittance (monthly lists, supplementary payments, corrections, refunds), deferral, base_adjustment,
arrears, flexible (flexible-worker deposits)."""
