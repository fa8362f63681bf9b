"""Declaring a plugin's options: a nested `class Options(Model.Options)` with `option(...)` fields.

The machinery lives in harness.schema (the plugin interfaces build on it); this is the
name plugin authors import. Custom value parsers (`option(parse=...)`) may reuse
`to_flag` and `word_list`, and raise ValueError with the reason.
"""

from __future__ import annotations

from harness.schema import Options, OptionSpec, option, word_list
from harness.schema import flag as to_flag

__all__ = ["Options", "OptionSpec", "option", "to_flag", "word_list"]
