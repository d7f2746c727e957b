"""``rosenblatt.utils``: PyTorch's ``torch.utils`` names -- ``utils.data`` (data sets,
samplers, DataLoader)."""

from . import data

__all__ = ["data"]
