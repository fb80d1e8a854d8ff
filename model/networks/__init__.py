"""Networks with timm's surface: ``forward_features``, ``forward_head``, ``num_features``, ``num_classes``."""
