"""Describing speed of `ercbench describe -d hf-vlm:...`: clips and frames per second, frame reading vs generation.

Run from the repository root:
    python benchmarks/describe_speed.py                                       # CPU, the tests' tiny LLaVA
    python benchmarks/describe_speed.py --device cuda --shape 2b --clips 64 --batch-size 8
    python benchmarks/describe_speed.py --device cuda --shape 7b --clips 64 --batch-size 8

The loop is the command's own (clip reading with PyAV, batching, appending each line) over synthetic
MELD-like clips; with --shape 2b or 7b the weights are random, in a LLaVA layout (a CLIP ViT-L/14 at
336 px, 576 tokens a frame, before a LLaMA-shaped language model), built in memory on the device.
Random weights rarely stop early, so every description runs to --max-new-tokens: the slow case.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Language model shapes: ~1.5B (+0.3B vision) and LLaMA-2-7B (+0.3B vision).
TEXT_SHAPES = {
    "2b": {"hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 24, "num_attention_heads": 16},
    "7b": {"hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32},
}
CLIP_L_336 = {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24, "num_attention_heads": 16,
              "image_size": 336, "patch_size": 14, "projection_dim": 768}


def build_shape(shape: str, device: str, dtype):
    """A random LLaVA of this shape on the device and a processor for it (the tests' tiny tokenizer, 32000 ids)."""
    import torch
    from transformers import (
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    from tests.tinymodels import CORPUS, VLM_TEMPLATE, image_processor_class, train_tokenizer

    tokenizer = train_tokenizer(CORPUS)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<image>"]})
    tokenizer.pad_token = tokenizer.eos_token
    text = LlamaConfig(vocab_size=32000, max_position_embeddings=8192, num_key_value_heads=None,
                       bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                       pad_token_id=tokenizer.pad_token_id, **TEXT_SHAPES[shape])
    config = LlavaConfig(vision_config=CLIPVisionConfig(**CLIP_L_336), text_config=text, vision_feature_layer=-2,
                         image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
                         vision_feature_select_strategy="default")
    torch.manual_seed(0)
    with torch.device(device):
        model = LlavaForConditionalGeneration(config).to(dtype).eval()
    images = image_processor_class()(size={"shortest_edge": 336}, crop_size={"height": 336, "width": 336})
    processor = LlavaProcessor(image_processor=images, tokenizer=tokenizer, patch_size=14, chat_template=VLM_TEMPLATE,
                               vision_feature_select_strategy="default", num_additional_image_tokens=1)
    processor.tokenizer.padding_side = "left"
    return model, processor


def make_clips(folder: Path, count: int, seconds: float, size: tuple[int, int]) -> tuple:
    """MELD-named synthetic clips for the first `count` test utterances; the task and the describe loop's jobs."""
    from harness.describe.clips import from_task
    from plugins.datasets.meld import Meld  # not through entry points: runs from a bare checkout too
    from tests.videos import make_clip

    task = Meld(None)
    names = [f"dia{d.dialogue_id}_utt{u.index}.mp4" for d in task.dialogues("test") for u in d.utterances]
    for name in names[:count]:
        make_clip(folder / name, seconds, 24, size)
    return task, from_task(task, ["test"], folder)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("tiny", "2b", "7b"), default="tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="auto", choices=("auto", "float32", "bfloat16", "float16"))
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--seconds", type=float, default=3.0, help="clip length (MELD's median is about 3 s)")
    parser.add_argument("--size", default="640x360", help="clip frame size WxH")
    args = parser.parse_args()
    run(args)


def run(args) -> None:
    from harness.describe.store import DescriptionsFile
    from harness.describe.work import Describing, provenance
    from harness.lm import loading
    from harness.registry import Origin
    from plugins.describers.hf_vlm import HfVlm
    from tests.tinymodels import build_tiny_vlm

    width, height = (int(side) for side in args.size.split("x"))
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        task, jobs = make_clips(scratch / "clips", args.clips, args.seconds, (width, height))
        vlm = build_tiny_vlm(scratch / "tiny") if args.shape == "tiny" else scratch / "tiny"
        vlm.mkdir(exist_ok=True)
        describer = HfVlm(target=str(vlm), frames=str(args.frames), batch_size=str(args.batch_size),
                          max_new_tokens=str(args.max_new_tokens), device=args.device, dtype=args.dtype)
        if args.shape != "tiny":
            dtype = loading.pick_dtype(args.dtype, args.device)
            built = build_shape(args.shape, args.device, dtype)

            def in_memory():
                describer.model, describer.processor = built
            describer._load = in_memory
        describer.prepare()
        describer.describe([describer.read(jobs[0].clip)] * min(args.batch_size, len(jobs)))  # warm-up
        spent = {"read": 0.0, "describe": 0.0}
        for step in ("read", "describe"):
            original = getattr(describer, step)

            def timed(value, original=original, step=step):
                start = time.perf_counter()
                try:
                    return original(value)
                finally:
                    spent[step] += time.perf_counter() - start
            setattr(describer, step, timed)
        out = scratch / "d.jsonl"
        start = time.perf_counter()
        with mock.patch.object(describer, "prepare", lambda: None):
            summary = Describing(task, describer, DescriptionsFile(out, provenance(task, describer, Origin(
                "hf-vlm", "ercbench", "bench")))).run(jobs)
        total = time.perf_counter() - start
    # Every clip is read and generated for; random weights' ids past the small tokenizer decode to no text.
    clips = summary.described + len(summary.problems)
    frames = clips * args.frames
    print(json.dumps({
        "shape": args.shape, "device": args.device, "dtype": str(describer.model.dtype), "clips": clips,
        "with_text": summary.described,
        "frames_per_clip": args.frames, "batch_size": args.batch_size, "max_new_tokens": args.max_new_tokens,
        "clip_size": args.size, "clip_seconds": args.seconds, "seconds": round(total, 2),
        "clips_per_s": round(clips / total, 3), "frames_per_s": round(frames / total, 2),
        "read_s": round(spent["read"], 2), "generate_s": round(spent["describe"], 2),
    }))


if __name__ == "__main__":
    main()
