"""Tiny LLaMA-architecture models and BPE tokenizers built in about a second, for offline tests."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

CORPUS = [
    "neutral joy surprise anger sadness disgust fear",
    "Neutral Joyful Peaceful Powerful Scared Mad Sad",
    "hap sad neu ang exc fru happy excited frustrated angry",
    "### Instruction: ### Input: ### Response: ### Context:",
    "Classify the emotion of the target utterance in this conversation.",
    "Context: Target utterance: Choose one label from: Answer:",
    "Oh my God, you're pregnant? I can't believe it! That's amazing.",
    "You forgot to pick me up again. I'm so sorry, work ran late.",
    "Please select the emotional label of the speaker from the options",
]


def train_tokenizer(corpus: Iterable[str] = CORPUS, vocab_size: int = 400):
    """A byte-level BPE tokenizer with LLaMA-like special tokens, as a PreTrainedTokenizerFast."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE(unk_token=None))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<unk>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    core.train_from_iterator(list(corpus), trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )


def build_tiny_llama(
    folder: Path,
    *,
    hidden: int = 32,
    layers: int = 2,
    heads: int = 4,
    seed: int = 0,
    with_pad: bool = True,
) -> Path:
    """Write a random tiny LlamaForCausalLM plus tokenizer to `folder`; returns the folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = train_tokenizer()
    if with_pad:
        tokenizer.pad_token = tokenizer.eos_token
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
