"""The harness's own exceptions: every user-facing failure is one of these, shown as one line."""

from __future__ import annotations

from pathlib import Path


class ErcbenchError(Exception):
    """Base class; the CLI prints these as one line and exits non-zero, without a traceback."""


class DataError(ErcbenchError):
    """A data file is missing or malformed; names the file and, where known, the line."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class PluginError(ErcbenchError):
    """A plugin failed to load, clashes with another, or was not found."""


class ConfigError(ErcbenchError):
    """A bad option or argument given by the user."""


class ClipError(ErcbenchError):
    """A video clip cannot be read (undecodable, no video stream, no frames in its span); the run goes on."""
