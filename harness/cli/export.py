"""`ercbench export lm-eval TASK --out DIR`: our prompts as an lm-evaluation-harness task folder."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.common import parse_options, writable_folder


@click.group()
def export():
    """Write a task in another harness's format."""


@export.command("lm-eval")
@click.argument("task")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), callback=writable_folder,
              help="Folder to write.")
@click.option("-p", "--prompt", help="Prompt strategy (as in `run`; default: the one marked default).")
@click.option("--split", default="test", show_default=True, help="Split to export.")
@click.option("--limit", type=int, help="Only the first N examples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds k-shot demonstration choice.")
@click.option("--task-opt", "task_opts", multiple=True, metavar="K=V", help="Task option (repeatable).")
@click.option("--prompt-opt", "prompt_opts", multiple=True, metavar="K=V", help="Prompt option (repeatable).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
              help="Data root (default: $ERCBENCH_DATA).")
def lm_eval_command(task, out_dir, prompt, split, limit, seed, task_opts, prompt_opts, data_dir):
    """TASK's prompts as YAML + JSONL + utils.py; run with `lm_eval --include_path DIR --tasks NAME`."""
    from harness.cli.session import current
    from harness.discovery import default_names
    from harness.export.lm_eval import export_lm_eval

    session = current()
    prompt = prompt or default_names("prompts", "-p", session.registry)[0]
    exported = export_lm_eval(
        task, prompt, out_dir, session.context(seed=seed, data_dir=data_dir), split=split, limit=limit,
        task_args=parse_options(task_opts, "--task-opt"), prompt_args=parse_options(prompt_opts, "--prompt-opt"),
    )
    click.echo(f"wrote {exported.n} examples to {exported.yaml_path}")
    click.echo(f"run: lm_eval --model hf --model_args pretrained=MODEL --include_path {exported.yaml_path.parent} "
               f"--tasks {exported.task_name}")
