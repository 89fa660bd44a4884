"""Policy parameters of accounts (``accounts.*``); the base and ratio bounds it checks are the ``deposits.*`` ones."""
