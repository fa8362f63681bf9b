"""fetch: a local HTTP server on 127.0.0.1 serves good, corrupted and truncated files; only good ones land."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.data.fetch import fetch_all, fetch_one
from harness.errors import DataError

BODY = b"speaker\tutterance\tlabel\n" * 500
SHA = hashlib.sha256(BODY).hexdigest()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/missing":
            self.send_error(404)
            return
        body = {"/good": BODY, "/corrupt": BODY[:-1] + b"X", "/short": BODY[: len(BODY) // 2]}[self.path]
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))  # /short promises more than it sends
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_good_file_is_written_with_progress(server, tmp_path):
    seen = []
    fetched = fetch_one("x/data.txt", f"{server}/good", SHA, tmp_path,
                        hook=lambda r, done, total: seen.append((done, total)))
    assert fetched.status == "downloaded" and (tmp_path / "x/data.txt").read_bytes() == BODY
    assert seen[-1] == (len(BODY), len(BODY))
    assert fetch_one("x/data.txt", f"{server}/good", SHA, tmp_path).status == "present"


@pytest.mark.parametrize("route, problem", [
    ("/corrupt", "sha256 mismatch"),
    ("/short", "truncated|interrupted"),
    ("/missing", "download failed.*copy the files from a mirror with --from DIR"),
])
def test_bad_downloads_leave_no_file(server, tmp_path, route, problem):
    with pytest.raises(DataError, match=problem):
        fetch_one("x/data.txt", f"{server}{route}", SHA, tmp_path)
    assert leftovers(tmp_path) == []


def test_a_bad_download_never_replaces_a_file_already_there(server, tmp_path):
    target = tmp_path / "data.txt"
    target.write_bytes(b"old")
    with pytest.raises(DataError, match="sha256 mismatch"):
        fetch_one("data.txt", f"{server}/corrupt", SHA, tmp_path)
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == ["data.txt"]


def test_local_mirror_by_relative_path_or_bare_name(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "meld").mkdir(parents=True)
    (mirror / "meld" / "a.csv").write_bytes(BODY)
    (mirror / "b.csv").write_bytes(BODY)
    dest = tmp_path / "dest"
    fetched = fetch_all({"meld/a.csv": ("unused", SHA), "meld/b.csv": ("unused", SHA)}, dest, mirror)
    assert [f.status for f in fetched] == ["copied", "copied"]
    assert leftovers(dest) == ["a.csv", "b.csv"]
    (mirror / "b.csv").write_bytes(BODY + b"tampered")
    with pytest.raises(DataError, match="sha256 mismatch"):
        fetch_all({"c/b.csv": ("unused", SHA)}, dest, mirror)
    with pytest.raises(DataError, match="not in the local mirror"):
        fetch_all({"zzz.csv": ("unused", SHA)}, dest, mirror)
    assert not (dest / "c").exists() or leftovers(dest / "c") == []


@pytest.mark.parametrize("route, ok", [("/good", True), ("/corrupt", False), ("/short", False)])
def test_cli_fetch_against_the_local_server(server, tmp_path, monkeypatch, route, ok):
    from click.testing import CliRunner

    from harness.cli.data import data
    from plugins.datasets.meld import Meld

    monkeypatch.setattr(Meld, "remote_files", {"meld/test_sent_emo.csv": (f"{server}{route}", SHA)})
    result = CliRunner().invoke(data, ["fetch", "meld", "--dest", str(tmp_path)])
    assert (result.exit_code == 0) is ok, result.output
    if ok:
        assert "downloaded" in result.output and (tmp_path / "meld" / "test_sent_emo.csv").read_bytes() == BODY
    else:
        assert result.output.strip().splitlines()[-1].startswith("Error: meld/test_sent_emo.csv:")
        assert leftovers(tmp_path) == []


@pytest.mark.parametrize("route", ["/corrupt", "/short", "/missing"])
def test_a_failed_fetch_leaves_no_folder_it_created(server, tmp_path, route):
    dest = tmp_path / "new-root"
    with pytest.raises(DataError):
        fetch_all({"meld/sub/test.csv": (f"{server}{route}", SHA)}, dest)
    assert not dest.exists()
    (tmp_path / "kept").mkdir()
    with pytest.raises(DataError):
        fetch_all({"meld/test.csv": (f"{server}{route}", SHA)}, tmp_path / "kept")
    assert list((tmp_path / "kept").iterdir()) == []
