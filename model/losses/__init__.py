"""Loss functions, one class per file."""

from model.losses.angular_contrastive import AngularContrastiveLoss
from model.losses.contrastive import ContrastiveLoss
from model.losses.cosface import CosFaceLoss
from model.losses.focal import FocalLoss
from model.losses.pairwise_ranking import PairwiseRankingLoss
from model.losses.supcon import SupConLoss

__all__ = [
    "AngularContrastiveLoss",
    "ContrastiveLoss",
    "CosFaceLoss",
    "FocalLoss",
    "PairwiseRankingLoss",
    "SupConLoss",
]
