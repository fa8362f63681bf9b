"""The plugin interfaces: Task, PromptStrategy, Model (and the prompt it may require), Trainer, Describer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

from harness.context import RunContext
from harness.counters import Counters
from harness.data.components import Component, TaskOptions, components_for
from harness.errors import ErcbenchError
from harness.schema import Configurable
from harness.types import Completion, Dialogue, Example, LossCurve, Prompt


class Task(Configurable, ABC):
    """An ERC dataset (one variant of it) that yields dialogues and examples.

    Constructed with the data root (or None) and string options from the user, checked
    against `Options` (subclass `Task.Options` to declare more). Subclasses set `name` and
    `labels`; `labels` may also be set in __init__ (e.g. inferred from a user's file). Every
    task also accepts the options of the components in `harness.data.components`, which
    transform its dialogues before examples are made (e.g. supplementary knowledge attached).
    """

    kind = "task"

    class Options(TaskOptions, Configurable.Options):
        """The options every task accepts: its components'."""

    config: Options
    name: ClassVar[str]
    description: ClassVar[str] = ""
    labels: tuple[str, ...] = ()
    #: options every task accepts, handled by its components
    common_options: ClassVar[tuple[str, ...]] = tuple(Options.names())

    def __init__(self, data_dir: Path | None = None, **options: str):
        self.data_dir = data_dir
        self._configure(options)
        #: what every task gets beside its own data, turned on by the options, applied in order
        self.components: tuple[Component, ...] = components_for(self.config)

    @abstractmethod
    def splits(self) -> tuple[str, ...]:
        """The split names this task offers, e.g. ("train", "dev", "test")."""

    @abstractmethod
    def dialogues(self, split: str) -> list[Dialogue]:
        """All dialogues of a split, in the dataset's order. Raises DataError on bad files."""

    def examples(self, split: str) -> list[Example]:
        """Every labelled utterance of a split, in order, as an Example in its dialogue."""
        examples = []
        for dialogue in self.enriched_dialogues(split):
            for position, utterance in enumerate(dialogue.utterances):
                if utterance.emotion is None:
                    continue
                examples.append(
                    Example(
                        example_id=f"{split}/{dialogue.dialogue_id}/{utterance.index}",
                        task=self.name,
                        dialogue=dialogue,
                        target_index=position,
                        gold=utterance.emotion,
                        labels=self.labels,
                    )
                )
        return examples

    def enriched_dialogues(self, split: str) -> list[Dialogue]:
        """`dialogues(split)` as a run sees them: passed through each component in turn."""
        dialogues = self.dialogues(split)
        for component in self.components:
            dialogues = component.apply(dialogues, self.name, split)
        return dialogues

    def info(self) -> dict[str, Any]:
        """Provenance for run.json: variant, input format, files read with sha256."""
        return {"name": self.name}

    def read_inputs(self) -> None:
        """Read (or at least hash) every file any split may use, so `info()` lists them all.

        Run keys are built from those hashes before prompts or models read the train split.
        The default loads every split, skipping any that cannot be read (the run itself reports
        that if it needs the split); tasks over one big file override it with a cheaper pass.
        """
        for split in self.splits():
            try:
                self.dialogues(split)
            except ErcbenchError:
                pass

    def video_clips(self, split: str, videos: Path) -> Mapping[tuple[str, int], "Clip"] | None:
        """For `ercbench describe`: each utterance's clip under `videos`, keyed (dialogue_id, utterance index).

        A clip may be missing on disk (it is then recorded as not described). None: this task does
        not know its videos' layout, and the user gives a `--map` CSV. A task that knows its layout
        but finds none of it raises ConfigError in one line saying what it looked for.
        """
        return None

    def run_info(self) -> dict[str, Any]:
        """run.json's task info: `info()`, plus each component's under its key."""
        return {**self.info(), **{component.key: component.info() for component in self.components}}


@dataclass(frozen=True)
class Shots:
    """Where a run sits in a few-shot sweep: k demonstrations, its column label, the options shared across k."""

    k: int
    column: str
    shared: Mapping[str, str]


class PromptStrategy(Configurable, ABC):
    """Turns examples into prompts; records how answers map back to labels.

    Options are declared by a nested `class Options(PromptStrategy.Options)`.
    """

    kind = "prompt"
    name: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, **options: str):
        self._configure(options)

    def prepare(self, task: Task, context: RunContext) -> None:
        """Called once before `build`; k-shot strategies read the train split here (seeded by `context.seed`)."""

    @abstractmethod
    def build(self, examples: Sequence[Example]) -> list[Prompt]:
        """One Prompt per example, same order."""

    def info(self) -> dict[str, Any]:
        """Settings that shaped the prompts (every option, defaults included), for run.json."""
        return self.config.to_strings()

    @classmethod
    def with_shots(cls, k: int, options: Mapping[str, str]) -> tuple[str, dict[str, str]] | None:
        """For `compare --shots`: the prompt name and options that show k demonstrations, keeping
        these options' other settings; None when this strategy takes no part in few-shot sweeps."""
        return None

    @classmethod
    def shots(cls, options: Mapping[str, str]) -> Shots | None:
        """For the leaderboard's shots pivot: where a run with these options sits, or None."""
        return None


@dataclass(frozen=True)
class RequiredPrompt:
    """The prompt a model's weights were trained on: the run builds exactly this one, or is refused."""

    name: str
    options: Mapping[str, str] = field(default_factory=dict)
    #: where it was recorded (a checkpoint's metadata file), named in the refusal
    source: str = ""
    #: how a user deliberately evaluates with another prompt (the model's own options), named in the refusal
    override_hint: str = ""


class Model(Configurable, ABC):
    """Answers prompts, batch-first: a list in, a list of Completions out, same order.

    Models that learn from data (classical baselines) read the train split in `prepare`.
    Heavy libraries (torch, transformers) are imported inside methods, never at module
    import, so that listing plugins stays fast. Options are declared by a nested
    `class Options(Model.Options)`; `-m NAME:TARGET` arrives as the option `target`.
    """

    kind = "model"
    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: "generate" models return text to parse; "score" models return choice log-probs.
    answer_mode: str = "generate"
    #: examples per predict() call the model wants (set in prepare, e.g. a whole split on a GPU); None: the run's
    preferred_batch_size: int | None = None
    #: tokens the model has computed so far (prompt tokens through the network), for run.json; None: not counted
    tokens_computed: int | None = None

    def __init__(self, **options: str):
        self._configure(options)

    @classmethod
    def prompt_for(cls, target: str | None, options: Mapping[str, str]) -> RequiredPrompt | None:
        """The prompt these weights need (read when the run is set up, before any prompt is built); None: any."""
        return None

    def prepare(self, task: Task, context: RunContext) -> None:
        """Called once before `predict` (load weights, fit a classifier); what it fitted may be kept in
        `context.cache_dir` for the next run (None: keep nothing)."""

    @abstractmethod
    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        """One Completion per prompt, same order."""

    def info(self) -> dict[str, Any]:
        """Identity of the weights and settings (every option, defaults included), for run.json."""
        return self.config.to_strings()

    def counters(self) -> Counters | None:
        """What this process's model counted so far (tokens fed, renderings used), as a `Counters`
        subclass: the run joins every process's and attempt's by the fields' rules into run.json's
        model_info beside `info()` (which is rank 0's). None: nothing counted."""
        return None

    def fingerprint(self) -> dict[str, str]:
        """Content hashes of what the model loads (weights, adapter), before loading it.

        Part of the run key: a run resumes or is reused only while these are unchanged.
        Models reading files return `harness.sdk.fingerprint.path_fingerprint(...)`; the default
        (nothing on disk) is empty.
        """
        return {}


@dataclass(frozen=True)
class CliFlag:
    """A named `ercbench train` flag that sets one of the trainer's options."""

    flag: str  # "--context"
    #: the option of the trainer's Options it sets, e.g. "prompt.window" (an option with a prefix takes KEY after it)
    option: str
    help: str
    choices: tuple[str, ...] = ()
    #: a flag without a value: present sets the option "on", absent leaves its default
    switch: bool = False


class Trainer(Configurable, ABC):
    """Produces a model checkpoint from tasks' train splits.

    Options are declared by a nested `class Options(Trainer.Options)`; `cli_flags` names the options
    `ercbench train` offers as flags of their own (beside `--train-opt K=V`, which sets any).
    Every trainer takes the options `command_flags` set.
    """

    kind = "trainer"
    name: ClassVar[str]
    description: ClassVar[str] = ""
    cli_flags: ClassVar[tuple[CliFlag, ...]] = ()
    #: `ercbench train`'s own flags and the option each sets in every trainer: a flag with a value before
    #: --train-opt (which may override it); a switch "on" or "off", over everything; --prompt-opt's is a prefix.
    command_flags: ClassVar[tuple[CliFlag, ...]] = (
        CliFlag("--base", "base", "Base model folder (or hub id when online)."),
        CliFlag("--prompt", "prompt", "Prompt strategy (as in `run`; default: the one marked default)."),
        CliFlag("--resume", "resume", "Continue from the last good checkpoint in --out.", switch=True),
        CliFlag("--overwrite", "overwrite", "Replace a different run already in --out.", switch=True),
        CliFlag("--prompt-opt", "prompt.", "Prompt option."),
    )

    def __init__(self, **options: Any):
        self._configure(options)

    @abstractmethod
    def train(self, tasks: Sequence[Task], out_dir: Path, context: RunContext) -> Mapping[str, Any]:
        """Train, write the checkpoint into out_dir, return its metadata; look other plugins (the prompt
        strategy) up in `context.registry` only."""

    @classmethod
    def loss_curve(cls, folder: Path) -> LossCurve | None:
        """The losses logged in `folder`, an --out folder of this trainer; None: not one of mine."""
        return None


@dataclass(frozen=True)
class Clip:
    """One utterance's video: a file and the seconds of it the utterance spans (None: the whole file)."""

    path: Path
    start: float | None = None
    end: float | None = None


class Describer(Configurable, ABC):
    """Describes utterances' video clips in words: what `ercbench describe` writes to a descriptions file.

    Two steps, so that one unreadable clip never spoils a batch: `read` decodes what the describer
    needs from one clip (e.g. sampled frames) and raises ClipError when it cannot; `describe` turns
    a batch of those into text, one string per input, same order. Heavy libraries are imported inside
    methods. Options are declared by a nested `class Options(Describer.Options)`; `-d NAME:TARGET`
    arrives as the option `target`.
    """

    kind = "describer"
    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: clips per describe() call
    batch_size: int = 1

    def __init__(self, **options: str):
        self._configure(options)

    def prepare(self) -> None:
        """Called once before the first `describe` (load weights)."""

    @abstractmethod
    def read(self, clip: Clip) -> Any:
        """What `describe` needs from one clip; raises harness.errors.ClipError for a clip it cannot read."""

    @abstractmethod
    def describe(self, inputs: Sequence[Any]) -> list[str]:
        """One description per input, same order."""

    def info(self) -> dict[str, Any]:
        """Every option, defaults included (the prompt, frames per clip, seed...), for the provenance file."""
        return self.config.to_strings()

    def fingerprint(self) -> dict[str, str]:
        """Content hashes of the weights it loads (`harness.sdk.fingerprint.path_fingerprint`); empty: none."""
        return {}

    def libraries(self) -> dict[str, str]:
        """Versions of the libraries that shape its output (torch, transformers, av), for the provenance file."""
        return {}
