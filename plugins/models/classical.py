"""CPU baselines that read the Example, not the prompt: majority class and TF-IDF + logistic regression."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from harness.errors import ConfigError
from harness.hookspecs import hookimpl
from harness.interfaces import Model, Task
from harness.sdk.options import option
from harness.types import Completion, Example, Prompt


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

    def prepare(self, task: Task, seed: int) -> None:
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

    def __init__(self, **options: str):
        super().__init__(**options)
        self.context = self.config.context
        self.C = self.config.C

    def prepare(self, task: Task, seed: int) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        examples = train_examples(task)
        self.pipeline = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced", random_state=seed),
        )
        self.pipeline.fit([example_text(e, self.context) for e in examples], [e.gold for e in examples])

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        if not prompts:
            return []
        labels = self.pipeline.predict([example_text(p.example, self.context) for p in prompts])
        return [Completion(p.example.example_id, text=answer_for(p, str(label))) for p, label in zip(prompts, labels)]


@hookimpl
def ercbench_register_models(register):
    register(Majority)
    register(TfidfLogReg)
