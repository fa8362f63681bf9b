"""Declared plugin options: typed parsing, refusals that list the valid keys and values, help rows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import ConfigError
from harness.interfaces import Model, PromptStrategy, Task
from harness.schema import Options, option


class Demo(Options):
    window: int | None = option(5, "earlier turns", none="all")
    speakers: bool = option(True, "show speakers")
    mode: str = option("score", "how to answer", choices=("score", "generate"))
    rate: float = option(0.5, "a rate", minimum=0)
    labels: tuple[str, ...] = option(("a", "b"), "label list")
    path: str = option(help="a required file")
    prompt_options: dict = option(help="handed to the prompt", prefix="prompt.")

    def check(self) -> None:
        if self.mode == "generate" and self.window == 0:
            raise ValueError("mode=generate needs window > 0")


def test_strings_become_typed_values_and_defaults_fill_in():
    parsed = Demo.parse({"window": "all", "speakers": "off", "mode": "GENERATE", "labels": "x, y",
                         "path": "f.jsonl", "prompt.template": "chat"})
    assert (parsed.window, parsed.speakers, parsed.mode, parsed.labels) == (None, False, "generate", ("x", "y"))
    assert parsed.rate == 0.5 and parsed.prompt_options == {"template": "chat"}
    assert Demo.parse({"path": "p", "window": 3}).window == 3  # typed values are accepted as they are
    assert Demo.parse({"path": "p", "mode": None}).mode == "score"  # None: not given


@pytest.mark.parametrize(
    "values, message",
    [
        ({"path": "p", "windw": "3"}, r"demo: unknown option 'windw'; did you mean window\? \(options: labels, mode, "),
        ({"path": "p", "mode": "fast"}, "demo: option mode must be one of score, generate, got 'fast'"),
        ({"path": "p", "speakers": "maybe"}, "option speakers must be on or off"),
        ({"path": "p", "window": "five"}, "option window must be a whole number"),
        ({"path": "p", "rate": "-1"}, "option rate must be >= 0"),
        ({"path": "p", "labels": "a,a"}, "option labels repeats an entry"),
        ({}, r"demo needs option path=\.\.\. \(a required file\)"),
        ({"path": "p", "mode": "generate", "window": "0"}, "demo: mode=generate needs window > 0"),
    ],
)
def test_bad_options_are_refused_in_one_line(values, message):
    with pytest.raises(ConfigError, match=message) as caught:
        Demo.parse(values, "demo")
    assert "\n" not in str(caught.value)


def test_describe_lists_name_type_default_and_help():
    rows = {row.name: row for row in Demo.describe()}
    assert rows["window"].type == "whole number or all" and rows["window"].default == "5"
    assert rows["speakers"].default == "on" and rows["mode"].type == "score|generate"
    assert rows["path"].default is None and rows["path"].help == "a required file"
    assert "prompt.<key>" in rows and Demo.names()[0] == "labels"


@given(window=st.one_of(st.none(), st.integers(0, 10**6)), speakers=st.booleans(),
       mode=st.sampled_from(["score", "generate"]), rate=st.floats(0, 1e6, allow_nan=False),
       labels=st.lists(st.from_regex(r"[a-z]{1,6}", fullmatch=True), min_size=1, max_size=4, unique=True))
def test_to_strings_round_trips(window, speakers, mode, rate, labels):
    if mode == "generate" and window == 0:
        window = 1
    original = Demo(window=window, speakers=speakers, mode=mode, rate=rate, labels=tuple(labels), path="p")
    again = Demo.parse(original.to_strings())
    assert again == original


def test_every_plugin_kind_refuses_unknown_options_and_keeps_the_common_ones():
    class Strategy(PromptStrategy):
        name = "demo-prompt"

        class Options(PromptStrategy.Options):
            window: int = option(5, "turns")

        def build(self, examples):
            return []

    with pytest.raises(ConfigError, match="prompt 'demo-prompt': unknown option 'windw'; did you mean window"):
        Strategy(windw="3")
    strategy = Strategy(window="3")
    assert strategy.config.window == 3 and strategy.options == {"window": "3"}
    assert strategy.info() == {"window": "3"}

    class Answerer(Model):
        name = "demo-model"

        class Options(Model.Options):
            pass

        def predict(self, prompts):
            return []

    with pytest.raises(ConfigError, match=r"model 'demo-model': unknown option 'x' \(options: none\)"):
        Answerer(x="1")
    assert "descriptions" in Task.Options.names() and Task.common_options == ("descriptions",)


def test_a_task_options_class_must_keep_the_common_options():
    with pytest.raises(TypeError, match="Options must subclass Task.Options"):
        class Broken(Task):  # noqa: F841
            name = "broken"

            class Options(Options):
                pass


REGISTRY_ENTRIES = __import__("harness.discovery", fromlist=["default_registry"]).default_registry().all()


@pytest.mark.parametrize("entry", REGISTRY_ENTRIES, ids=lambda e: f"{e.kind}:{e.name}")
def test_every_installed_plugin_declares_its_options_and_refuses_others(entry):
    args = (None,) if entry.kind == "tasks" else ()
    with pytest.raises(ConfigError, match=f"{entry.kind[:-1]} '{entry.name}': unknown option 'zz_not_an_option'"):
        entry.cls(*args, zz_not_an_option="1")
    for row in entry.cls.Options.describe():
        assert row.help, f"{entry.name}: option {row.name} has no help"


@pytest.mark.parametrize("entry", REGISTRY_ENTRIES, ids=lambda e: f"{e.kind}:{e.name}")
def test_every_class_that_declares_options_annotates_config_with_them(entry):
    # `config: Options` after the nested class is what lets mypy check `self.config.<option>`.
    for cls in entry.cls.__mro__:
        if "Options" in vars(cls):
            annotation = vars(cls).get("__annotations__", {}).get("config")
            assert annotation in ("Options", cls.Options), \
                f"{cls.__qualname__} declares Options without `config: Options`"


def test_a_plugin_options_class_may_subclass_the_sdk_options_where_its_kind_declares_none():
    class Plain(Model):
        name = "plain"

        class Options(Options):
            level: int = option(1, "a level")

        def predict(self, prompts):
            return []

    assert Plain(level="2").config.level == 2
