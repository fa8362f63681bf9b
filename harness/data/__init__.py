"""Data files: the data root, located decoding errors, descriptions, pinned downloads, split statistics."""
