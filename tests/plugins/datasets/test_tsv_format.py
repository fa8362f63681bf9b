"""Property: any dialogues written in the TSV format read back exactly (speaker, text, label, grouping)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plugins.datasets.tsv_format import load_dialogues

LABELS = ("hap", "sad", "neu")
# Fields hold no tab or line break and are not blank-only; text may hold spaces and [MARKERS].
field = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20).filter(str.strip)
turn = st.tuples(field, field, st.sampled_from(LABELS))
dialogues = st.lists(st.lists(turn, min_size=1, max_size=5), min_size=1, max_size=5)


def write(blocks) -> str:
    return "\n\n".join("\n".join("\t".join(t) for t in block) for block in blocks) + "\n"


@given(dialogues)
def test_tsv_round_trip(blocks):
    loaded = load_dialogues("x.txt", write(blocks), "dev", LABELS)
    assert [[(u.speaker, u.text, u.emotion) for u in d.utterances] for d in loaded] == [
        [tuple(t) for t in block] for block in blocks
    ]
    assert [d.dialogue_id for d in loaded] == [f"dev-{n:04d}" for n in range(len(blocks))]
