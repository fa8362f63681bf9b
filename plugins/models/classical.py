"""CPU baselines that read the Example, not the prompt: majority class and TF-IDF + logistic regression."""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from harness.errors import ConfigError
from harness.sdk import Completion, Example, Model, Prompt, RunContext, Task, hookimpl
from harness.sdk.options import option
from plugins.models import classical_cache

# Class-balanced word 1-2-grams; C chosen on MELD dev (see README).
VECTORIZER = {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 1}
CLASSIFIER = {"max_iter": 2000, "class_weight": "balanced"}


def example_text(example: Example, context: int) -> str:
    """The target utterance, optionally preceded by up to `context` earlier turns."""
    turns = [u.text for u in example.context(context)] if context else []
    return " ".join(turns + [example.target.text])


def answer_for(prompt: Prompt, label: str) -> str:
    """The choice string that stands for `label`, so any prompt's answer map reads it back."""
    for choice, mapped in prompt.answer_map.items():
        if mapped == label:
            return choice
    return label


def train_examples(task: Task) -> list[Example]:
    if "train" not in task.splits():
        raise ConfigError(f"task {task.name!r} has no train split to fit a baseline on")
    return task.examples("train")


class Majority(Model):
    """Always answers the most frequent train label (ties: the task's label order)."""

    name = "majority"
    description = "the most frequent label of the train split"
    default = True  # the CPU baselines are `compare`'s default models

    def prepare(self, task: Task, context: RunContext) -> None:
        counts = Counter(example.gold for example in train_examples(task))
        self.label = max(task.labels, key=lambda label: (counts[label], -task.labels.index(label)))

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        return [Completion(p.example.example_id, text=answer_for(p, self.label)) for p in prompts]

    def info(self) -> dict:
        return {"label": getattr(self, "label", None)}


class TfidfLogReg(Model):
    """scikit-learn TF-IDF (word 1-2 grams) + logistic regression fitted on the train split."""

    name = "tfidf-lr"
    description = "TF-IDF + logistic regression on train (option context=N adds N earlier turns)"
    default = True

    class Options(Model.Options):
        context: int = option(0, "earlier turns added to the target's text", minimum=0)
        C: float = option(10.0, "inverse regularisation strength of the logistic regression")

        def check(self) -> None:
            if not self.C > 0:
                raise ValueError(f"option C must be > 0, got {self.C:g}")

    config: Options

    def __init__(self, **options: str):
        super().__init__(**options)
        self.context = self.config.context
        self.C = self.config.C

    def prepare(self, task: Task, context: RunContext) -> None:
        """Fit on the train split, or reuse the fit cached for exactly these inputs, options and code."""
        examples = train_examples(task)
        texts, golds = [example_text(e, self.context) for e in examples], [e.gold for e in examples]
        settings = {"context": self.context, "C": self.C, "seed": context.seed, "vectorizer": VECTORIZER,
                    "classifier": CLASSIFIER}
        key, covers = classical_cache.cache_key(texts, golds, settings)
        self.cache = {"key": key, "status": "off"}
        folder = context.cache_dir / "tfidf-lr" if context.cache_dir is not None else None
        loaded = classical_cache.load(folder, key, VECTORIZER) if folder is not None else None
        if loaded is not None:
            self.vectorizer, self.classifier = loaded
            self.cache["status"] = "reused"
            return
        self.fit(texts, golds, context.seed)
        if folder is not None:
            try:
                classical_cache.save(folder, key, covers, self.vectorizer, self.classifier)
                self.cache["status"] = "stored"
            except OSError as exc:  # a cache that cannot be written costs time, not the run
                self.cache["status"] = f"not stored: {exc.strerror or exc}"

    def fit(self, texts: list[str], golds: list[str], seed: int) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(**VECTORIZER)
        self.classifier = LogisticRegression(C=self.C, random_state=seed, **CLASSIFIER)
        self.classifier.fit(self.vectorizer.fit_transform(texts), golds)

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        if not prompts:
            return []
        features = self.vectorizer.transform([example_text(p.example, self.context) for p in prompts])
        labels = self.classifier.predict(features)
        return [Completion(p.example.example_id, text=answer_for(p, str(label))) for p, label in zip(prompts, labels)]

    def info(self) -> dict[str, Any]:
        return {**super().info(), "cache": getattr(self, "cache", None)}


@hookimpl
def ercbench_register_models(register):
    register(Majority)
    register(TfidfLogReg)
