"""Plumbing: block-wise sha256 equals hashlib's, atomic JSON writes fail as one line, and old names still resolve."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.data import files
from harness.plumbing import atomic, hashing
from harness.results import store


@settings(max_examples=20, deadline=None)
@given(st.binary(max_size=4096), st.integers(0, 2))
def test_sha256_file_is_hashlib_over_the_whole_file(tmp_path_factory, data, blocks):
    path = tmp_path_factory.mktemp("h") / "blob"
    payload = data + b"x" * (blocks << 20)  # crosses the 1 MiB read size
    path.write_bytes(payload)
    assert hashing.sha256_file(path) == hashlib.sha256(payload).hexdigest()


def test_write_json_atomic_writes_sorted_json_and_fails_as_one_line(tmp_path):
    atomic.write_json_atomic(tmp_path / "sub" / "x.json", {"b": 1, "a": "é"})
    assert (tmp_path / "sub" / "x.json").read_text(encoding="utf-8") == '{\n  "a": "é",\n  "b": 1\n}\n'
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(atomic.WriteError, match=r"^cannot write .*file/x\.json: .*then rerun with --resume") as caught:
        atomic.write_json_atomic(blocker / "x.json", {"a": 1})
    assert "\n" not in str(caught.value)
    assert json.loads((tmp_path / "sub" / "x.json").read_text(encoding="utf-8")) == {"a": "é", "b": 1}


def test_the_old_homes_name_the_same_functions():
    assert store.write_json_atomic is atomic.write_json_atomic and store.WriteError is atomic.WriteError
    assert files.sha256_file is hashing.sha256_file
