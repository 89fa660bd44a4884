"""Django admin of the deposits models (read-only where a workflow or money moves them); none registered yet."""
