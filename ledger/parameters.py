"""Policy parameters of the ledger (``ledger.*``, declared with ``core.policy.declare``); it has none yet."""
