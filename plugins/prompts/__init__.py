"""Prompt-strategy plugins."""
