"""The dialoguellm model: the hf model on a checkpoint's merged adapter, given the prompt recorded at training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.registry import Registry
from tests.plugins.training.lora_fixtures import meld, trained_checkpoint

pytestmark = pytest.mark.slow  # every test here needs the LoRA checkpoint trained once per session


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def record(checkpoint) -> dict:
    return json.loads((checkpoint / "dialoguellm.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def prompts(record):
    """MELD dev prompts built as the run's prompt stage builds them: the recorded strategy and options."""
    from harness.discovery import default_registry

    strategy = default_registry().get("prompts", record["prompt"]["name"]).cls(**record["prompt"]["options"])
    return strategy.build(meld().examples("dev")[:6])


@pytest.fixture(scope="module")
def merged(record, checkpoint, tmp_path_factory) -> Path:
    """The checkpoint's adapter merged into its base by peft and saved as a plain model folder."""
    from transformers import AutoTokenizer

    folder = tmp_path_factory.mktemp("merged") / "model"
    with_adapter(record["base"], checkpoint).merge_and_unload().save_pretrained(folder)
    AutoTokenizer.from_pretrained(record["base"]).save_pretrained(folder)
    return folder


def with_adapter(base_folder: str, checkpoint: Path):
    """The base with the checkpoint's adapter, unmerged, as peft loads it."""
    import warnings

    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    with warnings.catch_warnings():
        # peft reads transformers' deprecated `is_gradient_checkpointing`; nothing we call can avoid it.
        warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
        return PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_folder), str(checkpoint)).eval()


def make_model(checkpoint: Path, **options: str):
    from harness.discovery import default_registry

    model = default_registry().get("models", "dialoguellm").cls(target=str(checkpoint), **options)
    model.prepare(meld(), RunContext(Registry(), seed=0))
    return model


def hf_model(folder: Path, **options: str):
    """The plain hf model with its defaults (the tiny models' context is 512 tokens)."""
    from plugins.models.hf_causal import HFCausal

    model = HFCausal(target=str(folder), **options)
    model.prepare(meld(), RunContext(Registry(), seed=0))
    return model


def test_scores_equal_the_hf_models_on_the_merged_weights(checkpoint, merged, record, prompts):
    ours = make_model(checkpoint).predict(prompts)
    expected = hf_model(merged, mode="score").predict(prompts)
    base = hf_model(Path(record["base"]), mode="score").predict(prompts)
    for mine, theirs, untrained in zip(ours, expected, base):
        assert mine.choice_logprobs.keys() == theirs.choice_logprobs.keys()
        assert max(abs(mine.choice_logprobs[k] - theirs.choice_logprobs[k]) for k in theirs.choice_logprobs) <= 1e-5
    # The adapter is really applied: the base alone scores otherwise.
    assert any(
        abs(m.choice_logprobs[k] - u.choice_logprobs[k]) > 1e-3 for m, u in zip(ours, base) for k in u.choice_logprobs
    )


def test_generation_equals_the_hf_models_on_the_merged_weights(checkpoint, merged, prompts):
    ours = make_model(checkpoint, mode="generate", max_new_tokens="4").predict(prompts)
    expected = hf_model(merged, mode="generate", max_new_tokens="4").predict(prompts)
    assert [c.text for c in ours] == [c.text for c in expected]
    assert all(c.text is not None and c.choice_logprobs is None for c in ours)


def test_adapter_off_is_the_base_model(checkpoint, record, prompts):
    ours = make_model(checkpoint, adapter="off").predict(prompts)
    expected = hf_model(Path(record["base"]), mode="score").predict(prompts)
    assert [dict(c.choice_logprobs) for c in ours] == [dict(c.choice_logprobs) for c in expected]


def test_loaded_checkpoint_scores_like_the_adapter_the_trainer_held(checkpoint, record, prompts):
    from harness.discovery import default_registry
    from plugins.training.lora_data import build_records, make_strategy
    from plugins.training.lora_run import choice_logprobs

    loaded = make_model(checkpoint)
    in_memory = with_adapter(record["base"], checkpoint)
    strategy = make_strategy(record["prompt"]["name"], record["prompt"]["options"], RunContext(default_registry()))
    records = build_records(strategy, [p.example for p in prompts], loaded.hf.tokenizer)
    for trained, completion in zip(records, loaded.predict(prompts)):
        # Prompts fit the 512-token context, so the training encoding is not cut either.
        expected = choice_logprobs(in_memory, loaded.hf.tokenizer, trained, 512)
        assert completion.choice_logprobs.keys() == expected.keys()
        for choice, value in completion.choice_logprobs.items():
            assert value == pytest.approx(expected[choice], abs=1e-4)


def test_prompt_for_names_the_recorded_prompt_and_applies_overrides(checkpoint, record):
    from plugins.models.dialogue_llm import DialogueLLM

    required = DialogueLLM.prompt_for(str(checkpoint), {})
    assert (required.name, dict(required.options)) == (record["prompt"]["name"], record["prompt"]["options"])
    assert required.name == "zero-shot" and required.options["window"] == "0"
    assert required.source == str(checkpoint / "dialoguellm.json")
    changed = DialogueLLM.prompt_for(str(checkpoint), {"prompt": "k-shot", "prompt.k": "1", "prompt.window": "2"})
    assert (changed.name, dict(changed.options)) == ("k-shot", {**record["prompt"]["options"], "window": "2", "k": "1"})


def run_spec(checkpoint: Path, **changes):
    from harness.types import RunSpec

    fields = dict(task="meld", prompt="zero-shot", model=f"dialoguellm:{checkpoint}", split="dev", limit=5)
    return RunSpec(**{**fields, **changes})


def test_run_json_names_the_checkpoints_prompt(checkpoint, record, tmp_path):
    from harness.results.store import RUN_FILE
    from harness.run import pipeline
    from harness.sdk.testing import registry_with
    from tests.conftest import real_data_root

    registry = registry_with()
    result, folder = pipeline.run(run_spec(checkpoint), RunContext(registry, data_dir=real_data_root()),
                                  results_dir=tmp_path)
    run = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    assert run["spec"]["prompt"] == record["prompt"]["name"]
    assert run["spec"]["prompt_args"] == record["prompt"]["options"] and record["prompt"]["options"]["window"] == "0"
    assert result.n == 5 and result.n_unparsed == 0
    assert result.prompt_info == record["prompt"]["options"]
    assert result.model_info["checkpoint"] == str(checkpoint)


def test_a_mismatching_prompt_is_refused_in_one_line(checkpoint, tmp_path):
    from harness.run import pipeline
    from harness.types import frozen_mapping
    from tests.conftest import real_data_root

    asked = run_spec(checkpoint, prompt_args=frozen_mapping({"window": "2"}))
    with pytest.raises(ConfigError) as refused:
        pipeline.run(asked, RunContext(default_registry(), data_dir=real_data_root()), results_dir=tmp_path)
    message = str(refused.value)
    assert "\n" not in message and str(checkpoint / "dialoguellm.json") in message
    assert "--prompt-opt window=2" in message and "--model-opt prompt.K=V" in message
    with pytest.raises(ConfigError, match="use -p zero-shot"):
        pipeline.run(run_spec(checkpoint, prompt="k-shot"), RunContext(default_registry(), data_dir=real_data_root()),
                     results_dir=tmp_path)
    assert not tmp_path.joinpath("results").exists()


def test_the_paper_parser_reads_generated_answers_and_counts_its_guesses(checkpoint, tmp_path):
    from harness.results.store import PREDICTIONS_FILE
    from harness.run import pipeline
    from harness.types import frozen_mapping
    from tests.conftest import real_data_root

    spec = run_spec(checkpoint, parser="dialoguellm", model_args=frozen_mapping({"mode": "generate"}))
    result, folder = pipeline.run(spec, RunContext(default_registry(), data_dir=real_data_root()), results_dir=tmp_path)
    rows = [json.loads(line) for line in (folder / PREDICTIONS_FILE).read_text(encoding="utf-8").splitlines()]
    assert result.n == 5 and result.n_unparsed == 0  # the paper's parser always yields a label
    assert result.n_fallback == sum(bool(row.get("fallback")) for row in rows)
    assert all(row["predicted"] in meld().labels for row in rows)


def test_bad_options_are_config_errors(checkpoint, tmp_path):
    from harness.discovery import default_registry

    cls = default_registry().get("models", "dialoguellm").cls
    with pytest.raises(ConfigError, match="dialoguellm.json"):
        cls(target=str(tmp_path))
    with pytest.raises(ConfigError, match="checkpoint folder"):
        cls()
    with pytest.raises(ConfigError, match="backend, merge no longer exist"):
        cls(target=str(checkpoint), backend="own", merge="on")
    with pytest.raises(ConfigError, match="unknown option"):
        cls(target=str(checkpoint), window="0")
    with pytest.raises(ConfigError, match="mode must be"):
        cls(target=str(checkpoint), mode="sample")
    with pytest.raises(ConfigError, match="does not exist; override with --model-opt base=PATH"):
        make_model(checkpoint, base=str(tmp_path / "missing"))
