"""What a scorer did, counted as it ran: passes, tokens fed, attention scores computed vs the token tree's own."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from harness.counters import counter, merge_fields


@dataclass
class ScoreStats:
    """Counters one scorer call adds to; `tree_scores` is what attention over the token tree needs
    (each real token fed at position p attends p + 1 keys), `attention_scores` what was computed.
    Several processes' or attempts' counts join by each field's rule: sums, and the largest pass."""

    passes: int = counter("sum")
    tokens_fed: int = counter("sum")  # query rows through the transformer, padding included
    tokens_real: int = counter("sum")  # of which real tokens
    attention_scores: int = counter("sum")  # query x key products per layer and head, summed over passes
    tree_scores: int = counter("sum")
    max_pass_scores: int = counter("max")  # the largest single pass (what must fit in memory)

    def add_pass(self, fed: int, real: int, scores: int, tree: int) -> None:
        self.passes += 1
        self.tokens_fed += fed
        self.tokens_real += real
        self.attention_scores += scores
        self.tree_scores += tree
        self.max_pass_scores = max(self.max_pass_scores, scores)

    def merge(self, other: "ScoreStats") -> None:
        """Add another's counts to these, by the fields' rules."""
        vars(self).update(asdict(merge_fields(self, other)))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def path_scores(first_position: int, count: int) -> int:
    """Keys on the root-to-token paths of `count` tokens at positions first_position, first_position+1, ..."""
    return count * (first_position + 1) + count * (count - 1) // 2
