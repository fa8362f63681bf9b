"""Dataset (Task) plugins."""
