"""Score mode parses nothing: its runs are one run whatever --parser says, and runs keyed by a parser still match."""

from __future__ import annotations

from typing import Sequence

import pytest

from harness.context import RunContext
from harness.interfaces import Model
from harness.report.leaderboard import task_table
from harness.report.runs import load_runs
from harness.results import keys
from harness.results.store import PartialRun
from harness.run import pipeline
from harness.sdk.options import option
from harness.sdk.testing import TESTING_ORIGIN, registry_with
from harness.types import Completion, Prompt, RunSpec, frozen_mapping
from tests.harness.run.interrupts import interrupt_second_batch


class ScoreGold(Model):
    """Scores every choice, the gold one highest; mode=generate answers the gold choice as text instead."""

    name = "score-gold"

    class Options(Model.Options):
        mode: str = option("score", "score or generate", choices=("score", "generate"))

    def __init__(self, **options: str):
        super().__init__(**options)
        self.answer_mode = self.config.mode

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        out = []
        for prompt in prompts:
            gold = next(c for c, label in prompt.answer_map.items() if label == prompt.example.gold)
            if self.answer_mode == "generate":
                out.append(Completion(prompt.example.example_id, text=gold))
            else:
                scores = {choice: 0.0 if choice == gold else -5.0 for choice in prompt.choices}
                out.append(Completion(prompt.example.example_id, choice_logprobs=frozen_mapping(scores)))
        return out


@pytest.fixture(scope="module")
def registry():
    reg = registry_with()
    reg.add("models", ScoreGold, TESTING_ORIGIN)
    return reg


def spec(parser: str = "strict", mode: str = "score") -> RunSpec:
    return RunSpec(task="tiny", prompt="zero-shot", model="score-gold", parser=parser,
                   model_args=frozen_mapping({"mode": mode}))


@pytest.fixture
def older_ercbench(monkeypatch):
    """The pipeline as ercbench wrote runs before: the parser in every run's key, no other keys looked up."""
    monkeypatch.setattr(keys, "identity_spec", lambda spec, mode: spec)
    monkeypatch.setattr(keys, "legacy_specs", lambda spec, mode, parsers: [])
    return monkeypatch


def test_score_mode_runs_with_other_parsers_are_one_run_and_one_row(registry, results_dir):
    first, folder = pipeline.run(spec("lenient"), RunContext(registry), results_dir=results_dir)
    again, same = pipeline.run(spec("dialoguellm"), RunContext(registry), results_dir=results_dir)
    assert same == folder and again.run_id == first.run_id and first.spec.parser == keys.SCORE_PARSER
    assert len(load_runs(registry, results_dir)) == 1 and len(task_table(results_dir, None)) == 1


def test_generate_mode_keeps_the_parser_in_its_identity(registry, results_dir):
    _, strict = pipeline.run(spec("strict", "generate"), RunContext(registry), results_dir=results_dir)
    result, lenient = pipeline.run(spec("lenient", "generate"), RunContext(registry), results_dir=results_dir)
    assert strict != lenient and result.spec.parser == "lenient"
    assert sorted(load_runs(registry, results_dir)["parser"]) == ["lenient", "strict"]


@pytest.mark.parametrize("parser", ["lenient", "strict"])
def test_a_finished_run_keyed_by_its_parser_is_still_reused(registry, results_dir, older_ercbench, parser):
    old, folder = pipeline.run(spec("lenient"), RunContext(registry), results_dir=results_dir)
    assert old.spec.parser == "lenient"  # written as an older ercbench did
    older_ercbench.undo()
    result, found = pipeline.run(spec(parser), RunContext(registry), results_dir=results_dir)
    assert found == folder and result.run_id == old.run_id
    assert list(load_runs(registry, results_dir)["parser"]) == [keys.SCORE_PARSER]  # shown as the run it is


def test_an_interrupted_run_keyed_by_its_parser_still_resumes(registry, results_dir, older_ercbench):
    interrupt_second_batch(older_ercbench, ScoreGold)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run(spec("lenient"), RunContext(registry), results_dir=results_dir, batch_size=3)
    assert len(PartialRun(results_dir, spec("lenient")).done_predictions()) == 3
    older_ercbench.undo()
    result, _ = pipeline.run(spec("dialoguellm"), RunContext(registry), results_dir=results_dir, batch_size=3,
                             resume=True)
    assert result.n == 7 and result.resumed_from == 3 and result.scores["accuracy"] == 1.0


def test_legacy_specs_only_for_score_mode():
    base = spec()
    assert keys.identity_spec(spec("lenient"), "score") == base
    assert keys.identity_spec(spec("lenient"), "generate").parser == "lenient"
    assert [s.parser for s in keys.legacy_specs(base, "score", ["strict", "lenient", "dialoguellm"])] == [
        "dialoguellm", "lenient"]
    assert keys.legacy_specs(base, "generate", ["strict", "lenient"]) == []
