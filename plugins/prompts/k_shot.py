"""k-shot prompting: k demonstrations from the train split, chosen at random, one per label, or by similarity."""

from __future__ import annotations

import random
from typing import Mapping, Sequence

from harness.errors import ConfigError
from harness.sdk import Example, RunContext, Shots, Task, hookimpl
from harness.sdk.options import option
from plugins.prompts import shots as sweep
from plugins.prompts.zero_shot import ZeroShot

SELECTIONS = ("random", "balanced", "retrieved")




def pick_random(pool: Sequence[Example], k: int, rng: random.Random) -> tuple[Example, ...]:
    return tuple(rng.sample(list(pool), k))


def pick_balanced(pool: Sequence[Example], labels: Sequence[str], k: int, rng: random.Random) -> tuple[Example, ...]:
    """Labels in task order, one demonstration each, cycling when k exceeds the label count."""
    by_label = {label: [e for e in pool if e.gold == label] for label in labels}
    for candidates in by_label.values():
        rng.shuffle(candidates)
    present = [label for label in labels if by_label[label]]
    if not present:
        raise ConfigError("balanced selection found no labelled train examples")
    chosen = []
    for turn in range(k):
        label = present[turn % len(present)]
        round_ = turn // len(present)
        candidates = by_label[label]
        if round_ >= len(candidates):
            raise ConfigError(f"balanced selection needs {round_ + 1} train examples of {label!r}, "
                              f"found {len(candidates)}")
        chosen.append(candidates[round_])
    return tuple(chosen)


class Retriever:
    """Nearest train utterances to each target: TF-IDF cosine, or a sentence-transformers encoder."""

    def __init__(self, pool: Sequence[Example], encoder: str | None):
        self.pool = list(pool)
        self.encoder_name = encoder
        texts = [e.target.text for e in self.pool]
        if encoder:
            self.encoder = load_encoder(encoder)
            self.matrix = self.encoder.encode(texts, normalize_embeddings=True)
        else:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
            self.matrix = self.vectorizer.fit_transform(texts)

    def similarities(self, texts: Sequence[str]):
        import numpy as np

        if self.encoder_name:
            queries = self.encoder.encode(list(texts), normalize_embeddings=True)
            return np.asarray(queries) @ np.asarray(self.matrix).T
        return (self.vectorizer.transform(texts) @ self.matrix.T).toarray()

    def nearest(self, examples: Sequence[Example], k: int) -> list[tuple[Example, ...]]:
        """The k most similar, least similar first, so the closest sits next to the target; never the example itself."""

        scores = self.similarities([e.target.text for e in examples])
        chosen = []
        for example, row in zip(examples, scores):
            picked = [self.pool[i] for i in top_indices(row, k + 1) if self.pool[i].example_id != example.example_id]
            chosen.append(tuple(reversed(picked[:k])))
        return chosen


def top_indices(scores, n: int):
    """Indices of the n highest scores, best first; ties go to the earlier train example."""
    import numpy as np

    n = min(n, len(scores))
    # Candidates: everything scoring at least the n-th best, so ties at the cut are all seen.
    threshold = np.partition(scores, len(scores) - n)[len(scores) - n]
    candidates = np.flatnonzero(scores >= threshold)
    return candidates[np.argsort(-scores[candidates], kind="stable")][:n]


def load_encoder(name: str):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ConfigError(
            "encoder=... needs the sentence-transformers package (pip install sentence-transformers)"
        ) from None
    return SentenceTransformer(name)


class KShot(ZeroShot):
    """Zero-shot's prompt preceded by k train demonstrations (target utterance and gold label)."""

    name = "k-shot"
    description = "k train demonstrations (selection=random|balanced|retrieved, encoder=NAME for retrieval)"
    default = False

    class Options(ZeroShot.Options):
        k: int = option(3, "demonstrations shown before the target", minimum=0)
        selection: str = option("random", "how demonstrations are chosen", choices=SELECTIONS)
        encoder: str = option("", "sentence-transformers model for selection=retrieved (default: TF-IDF)")

        def check(self) -> None:
            if self.encoder and self.selection != "retrieved":
                raise ValueError("encoder=... only applies to selection=retrieved")

    config: Options

    def __init__(self, **options: str):
        super().__init__(**options)
        self.k = self.config.k
        self.selection = self.config.selection
        self.encoder = self.config.encoder or None
        self.fixed: tuple[Example, ...] | None = None
        self.retriever: Retriever | None = None

    @classmethod
    def shots(cls, options: Mapping[str, str]) -> Shots | None:
        return sweep.k_shot_setting(cls.Options, options)

    def prepare(self, task: Task, context: RunContext) -> None:
        if "train" not in task.splits():
            raise ConfigError(f"task {task.name!r} has no train split to draw demonstrations from")
        pool = task.examples("train")
        if self.k > len(pool):
            raise ConfigError(f"k={self.k} but the train split of {task.name!r} has only {len(pool)} examples")
        rng = random.Random(f"k-shot:{context.seed}")
        if self.selection == "random":
            self.fixed = pick_random(pool, self.k, rng)
        elif self.selection == "balanced":
            self.fixed = pick_balanced(pool, task.labels, self.k, rng)
        else:
            self.retriever = Retriever(pool, self.encoder)

    def demonstrations(self, examples: Sequence[Example]) -> list[tuple[Example, ...]]:
        if self.k == 0:
            return [() for _ in examples]
        if self.retriever is not None:
            return self.retriever.nearest(examples, self.k)
        if self.fixed is None:
            raise ConfigError("k-shot prompts need prepare(task, context) before build()")
        return [self.fixed for _ in examples]

    def info(self) -> dict:
        info = super().info()
        if self.fixed is not None:
            info["demonstrations"] = [e.example_id for e in self.fixed]
        return info


@hookimpl
def ercbench_register_prompts(register):
    register(KShot)
