"""Instruction data: the training prompt is the evaluation prompt, byte for byte; answer-only labels."""

from __future__ import annotations

import pytest

from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.lm.tokens import encode_pair as scorer_pair
from harness.registry import Registry
from plugins.training import lora_data
from tests.plugins.training.lora_fixtures import meld, offline


@pytest.fixture(scope="module")
def tokenizer():
    from tests.tinymodels import train_tokenizer

    offline()
    tok = train_tokenizer()
    tok.pad_token = tok.eos_token
    return tok


@pytest.fixture(scope="module")
def examples():
    return meld().examples("train")[:12]


@pytest.mark.parametrize("prompt, options", [("zero-shot", {"window": "3"}),
                                             ("zero-shot", {"window": "3", "template": "dialoguellm"}),
                                             ("k-shot", {"k": "2", "template": "dialoguellm"})])
def test_training_prompt_is_the_evaluation_prompt_up_to_the_answer(tokenizer, examples, prompt, options):
    strategy = lora_data.make_strategy(prompt, options, RunContext(default_registry()))
    strategy.prepare(meld(), RunContext(Registry(), seed=0))
    records = lora_data.build_records(strategy, examples, tokenizer)
    evaluation_strategy = lora_data.make_strategy(prompt, options, RunContext(default_registry()))
    evaluation_strategy.prepare(meld(), RunContext(Registry(), seed=0))
    evaluation = evaluation_strategy.build(examples)
    for record, prompt in zip(records, evaluation):
        assert record.context.encode() == prompt.text.encode()
        assert prompt.answer_map[record.answer] == record.example.gold
        # The token ids trained on before the answer are the ones the scorer feeds for the gold choice.
        row = lora_data.tokenize_record(record, tokenizer, 512, loss_on_prompt=False)
        context_ids, choice_ids = scorer_pair(tokenizer, prompt.text, record.answer)
        trained = row["input_ids"][:-1]  # without the EOS; long (k-shot) prompts lose their start
        assert trained == (context_ids + choice_ids)[-len(trained) :] and len(trained) <= 512
        assert len(choice_ids) == len(row["input_ids"]) - 1 - row["labels"].count(lora_data.IGNORE)


def test_answer_only_loss_masks_the_prompt_and_loss_on_prompt_does_not(tokenizer, examples):
    strategy = lora_data.make_strategy("zero-shot", {"window": "1"}, RunContext(default_registry()))
    record = lora_data.build_records(strategy, examples[:1], tokenizer)[0]
    answer_only = lora_data.tokenize_record(record, tokenizer, 256, loss_on_prompt=False)
    whole = lora_data.tokenize_record(record, tokenizer, 256, loss_on_prompt=True)
    trained = [t for t in answer_only["labels"] if t != lora_data.IGNORE]
    assert tokenizer.decode(trained) == record.answer + tokenizer.eos_token
    assert whole["labels"] == whole["input_ids"]


def test_long_prompts_are_cut_from_the_left_keeping_the_answer(tokenizer, examples):
    strategy = lora_data.make_strategy("zero-shot", {"window": "all"}, RunContext(default_registry()))
    record = lora_data.build_records(strategy, examples[-1:], tokenizer)[0]
    row = lora_data.tokenize_record(record, tokenizer, 24, loss_on_prompt=False)
    assert len(row["input_ids"]) == 24
    assert tokenizer.decode([t for t in row["labels"] if t != lora_data.IGNORE]).startswith(record.answer)
    with pytest.raises(ConfigError, match="no room"):
        lora_data.tokenize_record(record, tokenizer, 2, loss_on_prompt=False)


def test_a_task_without_the_split_is_refused(examples):
    class NoDev:
        name = "nodev"

        def splits(self):
            return ("train",)

    with pytest.raises(ConfigError, match="no dev split"):
        lora_data.split_examples([NoDev()], "dev", 0)
