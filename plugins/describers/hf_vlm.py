"""hf-vlm: describe clips with any transformers image-text-to-text model (video input where the model takes it)."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Sequence

from harness.errors import ConfigError
from harness.lm import loading
from harness.sdk import Clip, Describer, hookimpl
from harness.sdk.fingerprint import path_fingerprint
from harness.sdk.options import option
from harness.sdk.video import sample_frames

# What DialogueLLM's descriptions hold: the speaker's expression, gestures and the scene (see docs/descriptions.md).
DEFAULT_PROMPT = ("These are frames from a video clip of one person speaking. Describe the speaker's facial "
                  "expression, gestures and body language, and the scene, in one or two sentences.")
LIBRARIES = ("torch", "transformers", "av", "tokenizers")


class HfVlm(Describer):
    """Samples N frames uniformly per clip and asks the model for a description, clips batched per generate call."""

    name = "hf-vlm"
    description = "a transformers vision-language model (Qwen2-VL, LLaVA-OneVision, SmolVLM...) over N sampled frames"

    class Options(Describer.Options):
        target: str = option("", "a local model folder or hub id (given as -d hf-vlm:TARGET)")
        frames: int = option(8, "frames sampled uniformly from each clip", minimum=1)
        prompt: str = option(DEFAULT_PROMPT, "the instruction shown after the frames")
        max_new_tokens: int = option(96, "longest description, in tokens", minimum=1)
        dtype: str = option("auto", "weights' dtype (auto: float32 on a CPU, bfloat16 on a GPU)",
                            choices=loading.DTYPES)
        device: str = option("auto", "cpu, cuda, cuda:N or auto")
        batch_size: int = option(4, "clips per generate call", minimum=1)
        seed: int = option(0, "seeds torch before each batch (matters with sample=on)", minimum=0)
        sample: bool = option(False, "sample the words instead of greedy decoding")
        input: str = option("images", "the frames as images, or as one video (for models whose processor takes video)",
                            choices=("images", "video"))
        trust_remote_code: bool = option(False, "run the model repository's own code")
        allow_pickle: bool = option(False, "allow pickle (.bin) weights, which can run code; safetensors otherwise")

    config: Options

    def __init__(self, **options: str):
        super().__init__(**options)
        try:
            self.target = loading.check_target(self.config.target or None, "model", self.name)
        except ConfigError as exc:  # the describer is named with -d, not -m
            raise ConfigError(str(exc).replace("-m ", "-d ")) from None
        self.batch_size = self.config.batch_size
        self.model: Any = None
        self.processor: Any = None

    def fingerprint(self) -> dict[str, str]:
        return path_fingerprint("model", self.target)

    def libraries(self) -> dict[str, str]:
        found = {}
        for name in LIBRARIES:
            try:
                found[name] = version(name)
            except PackageNotFoundError:
                pass
        return found

    def prepare(self) -> None:
        from transformers.utils import logging as hf_logging

        shown = hf_logging.is_progress_bar_enabled()
        if not sys.stderr.isatty():  # transformers' loading bar would be a stray line in logs and output
            hf_logging.disable_progress_bar()
        try:
            self._load()
        finally:
            if shown:
                hf_logging.enable_progress_bar()

    def _load(self) -> None:
        from transformers import AutoModelForImageTextToText, AutoProcessor

        config = self.config
        device = loading.pick_device(config.device, self.name)
        dtype = loading.pick_dtype(config.dtype, device, self.name)
        loading.check_weight_files(self.target, config.allow_pickle, self.name)
        try:
            self.processor = AutoProcessor.from_pretrained(self.target, trust_remote_code=config.trust_remote_code)
            model = AutoModelForImageTextToText.from_pretrained(
                self.target, dtype=dtype, trust_remote_code=config.trust_remote_code,
                use_safetensors=None if config.allow_pickle else True)
        except Exception as exc:  # missing files, an unknown architecture, a broken checkpoint: one line
            raise loading.load_failure(self.name, "a vision-language model", self.target, exc) from None
        if config.input == "video" and getattr(self.processor, "video_processor", None) is None:
            raise ConfigError(f"{self.name}: {self.target} has no video processor; use --describer-opt input=images")
        self.processor.tokenizer.padding_side = "left"  # generation continues every row from its end
        # transformers annotates `.to` through a decorator that loses `self`, so mypy misreads the device as the model.
        self.model = model.to(device).eval()  # type: ignore[arg-type]

    def read(self, clip: Clip) -> list[Any]:
        return sample_frames(clip.path, self.config.frames, clip.start, clip.end)

    def _batch(self, inputs: Sequence[list[Any]]) -> Any:
        video = self.config.input == "video"
        media = [{"type": "video"}] if video else [{"type": "image"}] * self.config.frames
        messages = [{"role": "user", "content": [*media, {"type": "text", "text": self.config.prompt}]}]
        text = self.processor.apply_chat_template(messages, add_generation_prompt=True)
        texts = [text] * len(inputs)
        if video:
            import numpy as np

            return self.processor(text=texts, videos=[np.stack(frames) for frames in inputs], return_tensors="pt",
                                  padding=True)
        return self.processor(text=texts, images=[list(frames) for frames in inputs], return_tensors="pt", padding=True)

    def describe(self, inputs: Sequence[list[Any]]) -> list[str]:
        import torch

        batch = self._batch(inputs).to(self.model.device)
        for key, value in batch.items():  # pixels in the weights' dtype; token ids stay integers
            if value.is_floating_point():
                batch[key] = value.to(self.model.dtype)
        torch.manual_seed(self.config.seed)
        with torch.inference_mode():
            out = self.model.generate(**batch, max_new_tokens=self.config.max_new_tokens,
                                      do_sample=self.config.sample, pad_token_id=self.processor.tokenizer.pad_token_id)
        new = out[:, batch["input_ids"].shape[1]:]
        return [text.strip() for text in self.processor.batch_decode(new, skip_special_tokens=True)]


@hookimpl
def ercbench_register_describers(register):
    register(HfVlm)
