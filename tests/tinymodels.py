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


def train_tokenizer(corpus: Iterable[str] = CORPUS, vocab_size: int = 400, add_bos: bool = False):
    """A byte-level BPE tokenizer with LLaMA-like special tokens, as a PreTrainedTokenizerFast.

    With add_bos it puts <s> before every text by default, as LLaMA's tokenizer does.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
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
    if add_bos:
        bos = ("<s>", core.token_to_id("<s>"))
        core.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[bos])
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
    add_bos: bool = False,
) -> Path:
    """Write a random tiny LlamaForCausalLM plus tokenizer to `folder`; returns the folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = train_tokenizer(add_bos=add_bos)
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


def train_to_answer(folder: Path, prompts: list[str], answer: str, *, steps: int = 12, lr: float = 5e-2) -> Path:
    """Fine-tune the tiny model saved in `folder` to say `answer` then EOS after every prompt.

    Encoded as the `hf` model and lm-eval encode a text prompt by default (the tokenizer's own
    special tokens), the answer being the tokens of prompt+answer after the prompt's own tokens.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    rows = []
    for prompt in prompts:
        context = tokenizer(prompt)["input_ids"]
        whole = tokenizer(prompt + answer)["input_ids"]
        rows.append((whole + [tokenizer.eos_token_id], len(context)))
    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for row, (seq, answer_from) in enumerate(rows):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
        labels[row, answer_from : len(seq)] = torch.tensor(seq[answer_from:])
    torch.manual_seed(0)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    model.save_pretrained(folder)
    return folder


# A chat template that shows each image as one <image> token, as LLaVA's processor expects.
VLM_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {% for c in m['content'] %}{% if c['type'] == 'image' %}"
                "<image>{% else %}{{ c['text'] }}{% endif %}{% endfor %}\n{% endfor %}"
                "{% if add_generation_prompt %}assistant:{% endif %}")


def image_processor_class():
    """CLIP's PIL image processor (needs no torchvision); older transformers name it CLIPImageProcessor."""
    import transformers

    return getattr(transformers, "CLIPImageProcessorPil", None) or transformers.CLIPImageProcessor


def build_tiny_vlm(folder: Path, seed: int = 0) -> Path:
    """Write a random tiny LLaVA (CLIP vision tower, LLaMA text) with its processor to `folder`; returns it.

    Loads with AutoProcessor and AutoModelForImageTextToText, as any image-text-to-text model does.
    """
    import torch
    from transformers import (
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    tokenizer = train_tokenizer(CORPUS + ["Describe the speaker's face, gestures and the scene."])
    tokenizer.add_special_tokens({"additional_special_tokens": ["<image>"]})
    tokenizer.pad_token = tokenizer.eos_token
    vision = CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                              image_size=16, patch_size=8, projection_dim=16)
    text = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512,
                       bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                       pad_token_id=tokenizer.pad_token_id)
    config = LlavaConfig(vision_config=vision, text_config=text, vision_feature_layer=-1,
                         image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
                         vision_feature_select_strategy="default")
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config)
    images = image_processor_class()(size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16})
    processor = LlavaProcessor(image_processor=images, tokenizer=tokenizer, patch_size=8, chat_template=VLM_TEMPLATE,
                               vision_feature_select_strategy="default", num_additional_image_tokens=1)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
