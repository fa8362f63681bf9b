"""A fixed dialogue and demonstrations shared by the prompt tests."""

from __future__ import annotations

from harness.types import Dialogue, Example, Utterance

LABELS = ("neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear")

UTTERANCES = (
    Utterance(0, "Monica", "You're late again.", "anger"),
    Utterance(1, "Chandler", "I know, I know. The traffic was insane.", "neutral"),
    Utterance(2, "Monica", "We said seven!", "anger", "a woman frowns at the door"),
    Utterance(3, "Chandler", "Oh my God, you got the tickets? That's amazing!", "joy", "a man smiles widely"),
)


def dialogue_example(target_index: int = 3, split: str = "test") -> Example:
    dialogue = Dialogue("d1", split, UTTERANCES)
    utterance = UTTERANCES[target_index]
    return Example(f"{split}/d1/{utterance.index}", "meld", dialogue, target_index, utterance.emotion, LABELS)


def demo(index: int, speaker: str, text: str, label: str) -> Example:
    dialogue = Dialogue(f"t{index}", "train", (Utterance(0, speaker, text, label),))
    return Example(f"train/t{index}/0", "meld", dialogue, 0, label, LABELS)


DEMOS = (
    demo(1, "Ross", "We were on a break!", "anger"),
    demo(2, "Phoebe", "Smelly cat, smelly cat.", "joy"),
)
