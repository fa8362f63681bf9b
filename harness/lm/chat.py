"""The one chat renderer and prompt fitter: Prompt -> text, left truncation that keeps the end."""

from __future__ import annotations

from typing import Any

from harness.errors import ConfigError
from harness.types import Prompt


def render(prompt: Prompt, tokenizer: Any) -> tuple[str, str]:
    """The prompt as one string, and how it was rendered ("text", "chat-template" or "plain-chat")."""
    if prompt.text is not None:
        return prompt.text, "text"
    if not prompt.messages:
        raise ConfigError(f"prompt for {prompt.example.example_id} has neither text nor messages")
    messages = [{"role": role, "content": content} for role, content in prompt.messages]
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return text, "chat-template"
    # A base model without a template: a plain transcript ending where the assistant speaks.
    lines = [f"{message['role']}: {message['content']}" for message in messages]
    return "\n\n".join(lines) + "\n\nassistant:", "plain-chat"


def token_count(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def truncate_left(tokenizer: Any, text: str, budget: int) -> tuple[str, int]:
    """Drop whole tokens from the start until at most `budget` tokens remain; (text, tokens dropped)."""
    if budget <= 0:
        raise ConfigError(f"hf: no room left for the prompt (token budget {budget})")
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    total = len(encoded["input_ids"])
    if total <= budget:
        return text, 0
    offsets = encoded["offset_mapping"]
    # Cutting at a token boundary can re-merge differently (and one character can be several
    # byte tokens), so step right through the boundaries until it fits; "" always fits.
    cuts = sorted({offsets[start][0] for start in range(total - budget, total)} | {len(text)})
    for cut in cuts:
        kept = text[cut:]
        kept_count = token_count(tokenizer, kept)
        if kept_count <= budget:
            return kept, total - kept_count
    raise AssertionError("unreachable: the empty suffix always fits")


def fit_prompt(prompt: Prompt, tokenizer: Any, text: str, budget: int) -> tuple[str, int]:
    """Left-truncate `text` to `budget` tokens; refuse when that would cut the target utterance."""
    kept, dropped = truncate_left(tokenizer, text, budget)
    target = prompt.example.target.text
    if dropped and target in text and target not in kept:
        raise ConfigError(
            f"hf: prompt for {prompt.example.example_id} does not fit the model context "
            f"({budget} tokens) even after cutting its start; the target utterance would be lost"
        )
    return kept, dropped
