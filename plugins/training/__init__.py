"""Trainer plugins."""
