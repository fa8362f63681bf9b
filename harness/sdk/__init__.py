"""The plugin SDK: what a plugin imports to define tasks, prompts, models, trainers and describers."""

from harness.context import RunContext, World
from harness.counters import Counters, counter
from harness.errors import ClipError, ConfigError, DataError, ErcbenchError, PluginError
from harness.hookspecs import hookimpl
from harness.interfaces import CliFlag, Clip, Describer, Model, PromptStrategy, RequiredPrompt, Shots, Task, Trainer
from harness.registry import Registry
from harness.schema import Options, option
from harness.types import Completion, Dialogue, Example, LossCurve, Prediction, Prompt, Utterance, frozen_mapping

__all__ = [
    "CliFlag", "Clip", "ClipError", "Completion", "ConfigError", "Counters", "Describer", "DataError", "Dialogue",
    "ErcbenchError", "Example", "LossCurve", "Model", "Options", "PluginError", "Prediction", "Prompt",
    "PromptStrategy", "Registry", "RequiredPrompt", "RunContext", "Shots", "Task", "Trainer", "Utterance", "World",
    "counter", "frozen_mapping", "hookimpl", "option",
]
