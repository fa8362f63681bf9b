"""A fitted TF-IDF + logistic regression kept on disk as plain arrays (npz, no pickle), keyed by what it was fit on."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.sdk.files import atomic_file

# Bump when what is stored, or how a stored model is rebuilt, changes: old entries are then never read.
CACHE_FORMAT = 1
ARRAYS = ("terms", "idf", "coef", "intercept", "classes")


def code_version() -> dict[str, str]:
    """What can change a fit besides data and options: this cache's format and the libraries doing the fitting."""
    found = {"format": str(CACHE_FORMAT)}
    for name in ("ercbench", "scikit-learn", "numpy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "unknown"
    return found


def cache_key(texts: Sequence[str], golds: Sequence[str], options: Mapping[str, Any]) -> tuple[str, dict]:
    """(key, what it covers): the sha256 of the exact training inputs, the options and the code version."""
    data = hashlib.sha256()
    for text, gold in zip(texts, golds):
        data.update(json.dumps([text, gold], ensure_ascii=False).encode())
        data.update(b"\n")
    covers = json.loads(json.dumps({"train_sha256": data.hexdigest(), "n_train": len(texts), "options": dict(options),
                                    "code": code_version()}))  # tuples as lists: what the JSON file will hold
    key = hashlib.sha256(json.dumps(covers, sort_keys=True).encode()).hexdigest()[:24]
    return key, covers


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(path: Path, write) -> None:
    with atomic_file(path, "wb") as out:
        write(out)


def save(folder: Path, key: str, covers: Mapping[str, Any], vectorizer: Any, classifier: Any) -> Path:
    """Write <key>.npz, then <key>.json holding its sha256: the JSON is written last, so it marks a whole entry."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    arrays = {
        "terms": np.array(terms, dtype=str), "idf": vectorizer.idf_, "coef": classifier.coef_,
        "intercept": classifier.intercept_, "classes": np.array([str(c) for c in classifier.classes_], dtype=str),
    }
    npz = folder / f"{key}.npz"
    _write_atomic(npz, lambda out: np.savez_compressed(out, **arrays))
    meta = {**covers, "npz_sha256": _sha256_file(npz)}
    _write_atomic(folder / f"{key}.json", lambda out: out.write(json.dumps(meta, indent=2, sort_keys=True).encode()))
    return npz


def load(folder: Path, key: str, vectorizer_options: Mapping[str, Any]) -> tuple[Any, Any] | None:
    """The stored (vectorizer, classifier), or None when absent, incomplete or not the bytes that were written."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    npz, meta_path = folder / f"{key}.npz", folder / f"{key}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("npz_sha256") != _sha256_file(npz):
            return None
        with np.load(npz, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in ARRAYS}
    except (OSError, ValueError, KeyError):
        return None
    vectorizer = TfidfVectorizer(**vectorizer_options, vocabulary={str(t): i for i, t in enumerate(arrays["terms"])})
    vectorizer.idf_ = arrays["idf"]
    classifier = LogisticRegression()
    classifier.coef_, classifier.intercept_ = arrays["coef"], arrays["intercept"]
    classifier.classes_ = arrays["classes"]
    classifier.n_features_in_ = arrays["coef"].shape[1]
    return vectorizer, classifier
