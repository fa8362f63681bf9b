"""Plumbing every floor uses: atomic writes, content hashes cached by size and mtime."""
