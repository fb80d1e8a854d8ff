"""Every network exposes timm's surface and returns probabilities of the right shape."""

from __future__ import annotations

import pytest
import torch

from model.backbones import COMPARISON_BACKBONES, create_backbone
from model.methods import BUILDERS, build_method
from model.networks.ccfg_net import CCFGNet
from tests.model.conftest import TEST_PARAMS


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_network_has_timm_surface(name):
    torch.manual_seed(0)
    network = build_method(name, create_backbone("resnet10t", 16), 5, TEST_PARAMS).network.eval()
    x = torch.randn(3, 3, 16, 16)
    features = network.forward_features(x)
    assert network.num_features == 512
    assert network.num_classes == 5
    assert network.forward_head(features, pre_logits=True).shape == (3, 512)
    assert network.forward_head(features).shape == (3, 5)
    probs = network.predict_proba(x)
    assert probs.shape == (3, 5)
    assert torch.allclose(probs.sum(dim=1), torch.ones(3), atol=1e-5)


def test_ccfg_inference_averages_both_heads():
    torch.manual_seed(0)
    network = CCFGNet(create_backbone("resnet10t", 16), 4, embedding_dim=8, scale=30.0).eval()
    x = torch.randn(2, 3, 16, 16)
    out = network.forward_heads(x)
    expected = (out.logits.softmax(1) + (30.0 * out.cosine).softmax(1)) / 2
    assert torch.allclose(network.predict_proba(x), expected, atol=1e-6)
    assert out.embeddings.shape == (2, 8)


def test_unknown_backbone_is_rejected():
    with pytest.raises(ValueError, match="unknown timm backbone 'resnet_nope'"):
        create_backbone("resnet_nope", 32)


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="unknown model 'svm' in train.models"):
        build_method("svm", create_backbone("resnet10t", 16), 3, TEST_PARAMS)


def test_small_vision_transformer_takes_32_pixels():
    backbone = create_backbone("deit_tiny_patch16_224", 32)
    assert backbone(torch.randn(1, 3, 32, 32)).shape == (1, 192)


@pytest.mark.parametrize("name", COMPARISON_BACKBONES)
def test_comparison_backbones_take_32_pixels(name):
    backbone = create_backbone(name, 32).eval()
    with torch.no_grad():
        pooled = backbone(torch.randn(2, 3, 32, 32))
        features = backbone.forward_features(torch.randn(2, 3, 32, 32))
        pre_logits = backbone.forward_head(features, pre_logits=True)
    assert pooled.shape == (2, backbone.num_features)
    assert pre_logits.shape == (2, backbone.num_features)


def test_local_backbone_weights_load(tmp_path):
    source = create_backbone("resnet10t", 16)
    path = tmp_path / "resnet10t.pth"
    torch.save(source.state_dict(), path)
    loaded = create_backbone("resnet10t", 16, checkpoint_path=str(path))
    assert torch.equal(loaded.conv1[0].weight, source.conv1[0].weight)


def test_local_backbone_weights_from_other_architecture_fail(tmp_path):
    path = tmp_path / "deit.pth"
    torch.save(create_backbone("deit_tiny_patch16_224", 32).state_dict(), path)
    with pytest.raises(ValueError, match="shares no weights with backbone"):
        create_backbone("resnet10t", 16, checkpoint_path=str(path))
