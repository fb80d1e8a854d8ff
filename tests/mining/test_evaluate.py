"""Recall@k and pair precision on a tiny example computed by hand."""

from pipeline.mining.evaluate import pair_scores, recall_at_k
from pipeline.mining.references import group_pairs


def test_recall_at_k_by_hand():
    reference = group_pairs([["未", "末"], ["己", "已", "巳"]])
    ranking = {
        "未": ["末", "木"],  # 1/1 at k=1
        "末": ["本", "未"],  # 0/1 at k=1, 1/1 at k=2
        "己": ["已", "弓"],  # 1/2 at k=2
        "已": ["弓", "巳"],  # 1/2 at k=2
        # 巳 has no ranking, so it is not a query
    }
    assert recall_at_k(ranking, reference, 1) == {
        "recall@1": round((1 + 0 + 0.5 + 0) / 4, 4),
        "queries": 4,
    }
    assert recall_at_k(ranking, reference, 2)["recall@2"] == round((1 + 1 + 0.5 + 0.5) / 4, 4)


def test_pair_scores_by_hand():
    reference = group_pairs([["未", "末"], ["己", "已", "巳"]])  # 4 pairs
    mined = group_pairs([["未", "末", "木"], ["己", "已"]])  # 4 pairs, 2 correct
    universe = set("未末木己已巳")
    scores = pair_scores(mined, reference, universe)
    assert scores["hits"] == 2
    assert scores["precision"] == 0.5
    assert scores["recall"] == 0.5
    assert scores["f1"] == 0.5


def test_pair_scores_ignore_characters_outside_universe():
    reference = group_pairs([["未", "末"], ["己", "已"]])
    mined = group_pairs([["未", "末"], ["甲", "乙"]])
    scores = pair_scores(mined, reference, set("未末己"))
    assert scores["mined_pairs"] == 1
    assert scores["reference_pairs"] == 1
    assert scores["precision"] == 1.0
    assert scores["recall"] == 1.0
