"""Plan files: groups each their own product, variables, and a located one-line error for a typo in any section."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.run.plan import load_plan

REPO = Path(__file__).resolve().parents[3]
SMOKE = (REPO / "experiments" / "smoke.toml").read_text(encoding="utf-8")
CONTEXT = RunContext(default_registry())

# (the text replaced in smoke.toml, its replacement, the line named, words the error must hold)
TYPOS = [
    ("title =", "titel =", 5, ["unknown key 'titel'", "did you mean title"]),
    ('tasks = ["sample"]', 'tasks = ["sampel"]', 9, ["unknown task 'sampel'", "did you mean sample"]),
    ('tasks = ["sample"]', 'tasks = [{ name = "sample", descriptons = "on" }]', 9,
     ["unknown option 'descriptons'", "did you mean descriptions"]),
    ('prompts = ["zero-shot"]', 'prompts = ["zero-shto"]', 10,
     ["unknown prompt 'zero-shto'", "did you mean zero-shot"]),
    ('prompts = ["zero-shot"]', 'prompts = [{ name = "zero-shot", windw = 3 }]', 10,
     ["unknown option 'windw'", "did you mean window"]),
    ('prompts = ["zero-shot"]', 'prompts = [{ name = "zero-shot", window = "abc" }]', 10, ["window must be a whole"]),
    ('"majority", "tfidf-lr"', '"majorty", "tfidf-lr"', 11, ["unknown model 'majorty'", "did you mean majority"]),
    ('"majority", "tfidf-lr"', '"majority", { name = "tfidf-lr", CC = 3 }', 11,
     ["unknown option 'CC'", "did you mean C?"]),
    ('models = ["majority", "tfidf-lr"]', "models = []", 11, ["group needs models"]),
    ("seeds = [0, 1]", "sedes = [0, 1]", 12, ["unknown key 'sedes'", "did you mean seeds"]),
    ("seeds = [0, 1]", 'seeds = [0, 1]\nsplit = "tset"', 13, ["no split 'tset'", "did you mean test"]),
    ("seeds = [0, 1]", 'seeds = [0, 1]\nparser = "lenien"', 13, ["unknown parser 'lenien'", "did you mean lenient"]),
    ("seeds = [0, 1]", "seeds = [0, -1]", 12, ["seeds must list different whole numbers"]),
    ('groups = ["baselines"]', 'groups = ["baseline"]', 17, ["no group 'baseline'", "did you mean baselines"]),
    ('rows = ["model"]', 'rows = ["modle"]', 18, ["rows: 'modle'", "did you mean model"]),
    ('columns = "task"', 'colums = "task"', 19, ["unknown key 'colums'", "did you mean columns"]),
    ('metric = "weighted_f1"', 'metric = "weighted_f2"', 20, ["'weighted_f2'", "did you mean weighted_f1"]),
    ('aggregate = "seeds"', 'aggregate = "sedes"', 21, ["did you mean seeds"]),
    ('models = ["majority", "tfidf-lr"]', 'models = ["majority", "${modle}"]\n[vars]\nmodel = "tfidf-lr"', 11,
     ["unknown variable ${modle}", "did you mean model"]),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_smoke_plan_checks_and_lists_each_seed():
    plan = load_plan(REPO / "experiments" / "smoke.toml", CONTEXT)
    assert [(s.model, s.seed) for s in plan.specs()] == [("majority", 0), ("majority", 1), ("tfidf-lr", 0),
                                                         ("tfidf-lr", 1)]
    assert [table.name for table in plan.tables] == ["baselines"]


@pytest.mark.parametrize(("old", "new", "line", "words"), TYPOS, ids=[typo[1][:30] for typo in TYPOS])
def test_a_typo_in_any_section_is_one_line_naming_file_line_and_key(tmp_path, old, new, line, words):
    assert old in SMOKE
    path = write(tmp_path, SMOKE.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_plan(path, CONTEXT)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: ") and "\n" not in message, message
    for word in words:
        assert word in message, message


def test_invalid_toml_names_its_line(tmp_path):
    path = write(tmp_path, SMOKE.replace('seeds = [0, 1]', 'seeds = [0, 1'))
    with pytest.raises(ConfigError, match=re.escape(f"{path}:1") + r"\d: not valid TOML"):
        load_plan(path, CONTEXT)


def test_groups_are_each_their_own_product(tmp_path):
    text = """
[[group]]
name = "a"
tasks = ["sample"]
models = ["majority"]
seeds = [0, 1]
[[group]]
name = "b"
tasks = ["sample"]
models = [{ name = "tfidf-lr", C = 3 }]
prompts = [{ name = "zero-shot", window = 0 }]
limit = 10
"""
    specs = load_plan(write(tmp_path, text), CONTEXT).specs()
    assert [(s.model, s.seed, dict(s.model_args), dict(s.prompt_args), s.limit) for s in specs] == [
        ("majority", 0, {}, {}, None), ("majority", 1, {}, {}, None), ("tfidf-lr", 0, {"C": "3"}, {"window": "0"}, 10)]


def test_variables_come_from_the_plan_or_the_command_line(tmp_path):
    text = '[vars]\nmodel = "majority"\n[[group]]\ntasks = ["sample"]\nmodels = ["${model}"]\n'
    path = write(tmp_path, text)
    assert [s.model for s in load_plan(path, CONTEXT).specs()] == ["majority"]
    assert [s.model for s in load_plan(path, CONTEXT, {"model": "tfidf-lr"}).specs()] == ["tfidf-lr"]
    with pytest.raises(ConfigError, match="--var modle: .* declares no such variable; did you mean model"):
        load_plan(path, CONTEXT, {"modle": "x"})


def fake_checkpoint(folder: Path, base: Path) -> Path:
    folder.mkdir(parents=True)
    base.mkdir(parents=True)
    record = {"base": str(base), "prompt": {"name": "zero-shot", "options": {"window": "5", "descriptions": "on"}},
              "tasks": [{"name": "meld", "options": {}}]}
    (folder / "dialoguellm.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_the_paper_plan_needs_a_checkpoint_and_then_holds_every_part(tmp_path):
    path = REPO / "experiments" / "dialoguellm.toml"
    with pytest.raises(ConfigError, match=r"variable \$\{checkpoint\} is empty: set it with --var checkpoint="):
        load_plan(path, CONTEXT)
    checkpoint = fake_checkpoint(tmp_path / "ck", tmp_path / "base")
    plan = load_plan(path, CONTEXT, {"checkpoint": str(checkpoint), "base": str(tmp_path / "base")})
    specs = plan.specs()
    assert {s.task for s in specs} == {"meld", "iemocap", "emorynlp"} and {s.seed for s in specs} == {0, 1, 2}
    ablation = {json.dumps(dict(s.model_args), sort_keys=True) for s in plan.specs(("ablation",))}
    assert ablation == {"{}", '{"prompt.window": "0"}', '{"prompt.descriptions": "off"}', '{"adapter": "off"}'}
    assert sorted({s.prompt_args.get("k", "0") for s in plan.specs(("shots",))}) == ["0", "1", "3", "5"]
    assert {s.parser for s in plan.specs(("generate", "generate-lenient"))} == {"dialoguellm", "lenient"}
    assert [t.name for t in plan.tables] == ["main", "ablation", "shots"]


def test_status_finds_a_score_mode_run_whatever_parser_the_plan_names(tmp_path):
    import json

    from harness.run.plan_status import Folder
    from harness.types import RunSpec
    from tests.harness.report.fakeruns import write_run

    rows = [{"id": "a", "gold": "joy", "predicted": "joy", "raw": "joy"}]
    older = write_run(tmp_path, "older", rows, model="hf:m", started="2026-01-02T00:00:00")
    newer = write_run(tmp_path, "newer", rows, model="hf:m", started="2026-01-01T00:00:00")  # a clock behind
    for folder, sequence in ((older, 1), (newer, 2)):
        run = json.loads((folder / "run.json").read_text())
        run["extra"]["answer_mode"], run["sequence"] = "score", sequence
        (folder / "run.json").write_text(json.dumps(run))
    folder = Folder.scan(tmp_path)
    lenient = RunSpec(task="meld", prompt="zero-shot", model="hf:m", parser="lenient")
    assert folder.latest(lenient).folder == newer  # score mode parses nothing: the stored strict run is it
    assert folder.state(lenient) == ("done", "newer")
