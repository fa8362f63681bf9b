"""Pack many scoring requests into one forward pass: a token tree with an ancestor-only attention mask (CPU path)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from harness.lm.tokens import EncodedRequest


@dataclass
class Carry:
    """Keys/values kept from the previous forward: one context's tokens, at positions 0..len-1."""

    tokens: tuple[int, ...] = ()
    cache: object | None = None


@dataclass
class PackedGroup:
    """One forward pass: new tokens, where they sit in the tree, and which logits are read.

    Key space = the carried tokens (0..n_cached-1) followed by the new tokens. A token may attend
    to a key only when that key is on its own root-to-token path, so every context and every
    choice sees exactly what it would see alone, and shared prefixes are computed once.
    """

    n_cached: int
    tokens: list[int] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    # (query rows, key indices) blocks: rows attend to those keys; plus causal inside the rows.
    blocks: list[tuple[int, int, np.ndarray]] = field(default_factory=list)
    read_keys: list[int] = field(default_factory=list)  # key index whose logits predict...
    read_targets: list[int] = field(default_factory=list)  # ...this token
    read_slots: list[int] = field(default_factory=list)  # summed into this (request, choice) slot
    last_path: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    last_tokens: tuple[int, ...] = ()

    @property
    def n_new(self) -> int:
        return len(self.tokens)

    def append(self, tokens: Sequence[int], first_position: int, visible: np.ndarray) -> np.ndarray:
        """Add a run of new tokens that sees `visible` keys before it; returns their key indices."""
        start = self.n_cached + len(self.tokens)
        self.tokens.extend(tokens)
        self.positions.extend(range(first_position, first_position + len(tokens)))
        self.blocks.append((start - self.n_cached, len(tokens), visible))
        return np.arange(start, start + len(tokens), dtype=np.int64)

    def mask(self) -> np.ndarray:
        """Boolean (new tokens x all keys) attention mask: True where attending is allowed."""
        allowed = np.zeros((self.n_new, self.n_cached + self.n_new), dtype=bool)
        for row, length, visible in self.blocks:
            rows = slice(row, row + length)
            allowed[rows, visible] = True
            first_key = self.n_cached + row
            allowed[rows, first_key : first_key + length] |= np.tril(np.ones((length, length), dtype=bool))
        return allowed


def common_prefix(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Length of the longest common prefix of two token sequences, without a Python loop."""
    n = min(len(a), len(b))
    if n == 0:
        return 0
    differ = np.asarray(a[:n]) != np.asarray(b[:n])
    return int(differ.argmax()) if differ.any() else n


def new_tokens_needed(previous: tuple[int, ...], request: EncodedRequest) -> int:
    """How many tokens a request adds to a group whose last context was `previous`."""
    shared = min(common_prefix(previous, request.context), len(request.context) - 1)
    return len(request.context) - shared + sum(len(ids) - 1 for ids in request.continuations)


def add_request(group: PackedGroup, path: np.ndarray, previous: tuple[int, ...], request: EncodedRequest, slot: int):
    """Put one request into the group: its unshared context, then each choice but its last token.

    The last context token is always fed anew (never taken from the carried cache) because its
    logits, which predict every choice's first token, are only computed for tokens fed now.
    """
    context = request.context
    shared = min(common_prefix(previous, context), len(context) - 1)
    keys = np.concatenate([path[:shared], group.append(context[shared:], shared, path[:shared])])
    last = int(keys[-1])
    for offset, ids in enumerate(request.continuations):
        choice_keys = group.append(ids[:-1], len(context), keys)
        reads = [last, *choice_keys.tolist()]
        group.read_keys.extend(reads)
        group.read_targets.extend(ids)
        group.read_slots.extend([slot + offset] * len(ids))
    return keys


def pack(carry: Carry, requests: Sequence[EncodedRequest], first_slot: int) -> PackedGroup:
    """Pack consecutive requests behind the carried context into one forward's worth of tokens."""
    group = PackedGroup(n_cached=len(carry.tokens))
    path = np.arange(len(carry.tokens), dtype=np.int64)
    previous = carry.tokens
    slot = first_slot
    for request in requests:
        path = add_request(group, path, previous, request, slot)
        previous = request.context
        slot += len(request.choices)
    group.last_path, group.last_tokens = path, previous
    return group


def plan_groups(requests: Sequence[EncodedRequest], carried: tuple[int, ...], max_tokens: int, max_requests: int):
    """Split consecutive requests into groups of at most `max_tokens` new tokens (one request minimum)."""
    groups: list[list[int]] = []
    current: list[int] = []
    budget = 0
    previous = carried
    for index, request in enumerate(requests):
        need = new_tokens_needed(previous, request)
        if current and (budget + need > max_tokens or len(current) >= max_requests):
            groups.append(current)
            current, budget = [], 0
        current.append(index)
        budget += need
        previous = request.context
    if current:
        groups.append(current)
    return groups
