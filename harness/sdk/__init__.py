"""The plugin SDK: what a plugin imports to define tasks, prompts, models and trainers."""

from harness.errors import ConfigError, DataError, ErcbenchError, PluginError
from harness.hookspecs import hookimpl
from harness.interfaces import Model, PromptStrategy, RequiredPrompt, Task, Trainer
from harness.schema import Options, option
from harness.types import Completion, Dialogue, Example, Prediction, Prompt, Utterance

__all__ = [
    "Completion", "ConfigError", "DataError", "Dialogue", "ErcbenchError", "Example", "Model", "PluginError",
    "Options", "Prediction", "Prompt", "PromptStrategy", "RequiredPrompt", "Task", "Trainer", "Utterance", "hookimpl", "option",
]
