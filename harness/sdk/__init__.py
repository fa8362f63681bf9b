"""The plugin SDK: what a plugin imports to define tasks, prompts, models, trainers and describers."""

from harness.context import RunContext, World
from harness.errors import ClipError, ConfigError, DataError, ErcbenchError, PluginError
from harness.hookspecs import hookimpl
from harness.interfaces import CliFlag, Clip, Describer, Model, PromptStrategy, RequiredPrompt, Task, Trainer
from harness.schema import Options, option
from harness.types import Completion, Dialogue, Example, Prediction, Prompt, Utterance

__all__ = [
    "CliFlag", "Clip", "ClipError", "Completion", "ConfigError", "Describer", "DataError", "Dialogue", "ErcbenchError", "Example", "Model", "PluginError",
    "Options", "Prediction", "Prompt", "PromptStrategy", "RequiredPrompt", "RunContext", "Task", "Trainer", "Utterance", "World", "hookimpl", "option",
]
