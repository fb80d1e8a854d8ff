"""char-similar style shape score on hand-made feature dictionaries."""

import json

import numpy as np
import pytest

from pipeline.mining.shape_score import load_features, shape_ranking, shape_similarity

FEATURES = {
    "fourangle": {"未": "50900", "末": "50900", "我": "23550"},
    "component": {"未": "木", "末": "木", "我": "戈"},
    "struct": {"未": "0", "末": "0", "我": "1"},
    "stroke": {"未": ["一", "木"], "末": ["木", "一"], "我": ["手", "戈"]},
    "order": {"未": "11234", "末": "11234", "我": "3121534"},
    "number": {"未": 5, "末": 5, "我": 7},
}


def test_identical_features_score_one():
    similarity = shape_similarity(["未", "末", "我"], FEATURES)
    assert similarity[0, 1] == pytest.approx(1.0)


def test_unrelated_score_by_hand():
    similarity = shape_similarity(["未", "我"], FEATURES)
    # corners: 1/5 digits match ("50900" vs "23550", the last); component 0; struct 0; strokes 0/4;
    # counts 5/7; order cosine of unigram+bigram counts of 11234 and 3121534.
    a = np.zeros(42)
    b = np.zeros(42)
    for vector, order in ((a, "11234"), (b, "3121534")):
        digits = [int(d) for d in order]
        for d in digits:
            vector[d] += 1
        for x, y in zip(digits, digits[1:], strict=False):
            vector[6 + 6 * x + y] += 1
    order = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    assert similarity[0, 1] == pytest.approx((1 / 5 + 0 + 0 + 0 + order + 5 / 7) / 6, abs=1e-6)


def test_ranking_puts_look_alike_first():
    assert shape_ranking(["未", "末", "我"], FEATURES, 2)["未"] == ["末", "我"]


def test_missing_feature_file_rejected(tmp_path):
    (tmp_path / "char_fourangle.dict").write_text(json.dumps({}), encoding="utf-8")
    with pytest.raises(
        FileNotFoundError, match="char-similar feature file not found: .*char_component"
    ):
        load_features(tmp_path)
