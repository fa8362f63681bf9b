"""Reading a task's data files: the data root, located decoding errors, and the ledger of files read for run.json."""

from harness.data.files import DATA_ENV, FileLedger, data_root, json_object_line, read_text, require_file
from harness.plumbing.hashing import sha256_file

__all__ = ["DATA_ENV", "FileLedger", "data_root", "json_object_line", "read_text", "require_file", "sha256_file"]
