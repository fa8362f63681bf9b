"""GPU passes run without cuDNN's attention kernel; CPU passes keep torch's defaults; both without grad."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")

from harness.lm.kernels import inference  # noqa: E402


def on_device(device: str) -> SimpleNamespace:
    """A model whose parameters claim to live on `device` (the kernel flags are global: no GPU needed)."""
    parameter = SimpleNamespace(device=SimpleNamespace(type=device))
    return SimpleNamespace(parameters=lambda: iter([parameter]))


@pytest.mark.parametrize("device, cudnn", [("cuda", False), ("cpu", True)])
def test_attention_kernels_by_device(device, cudnn):
    before = torch.backends.cuda.cudnn_sdp_enabled()
    with inference(on_device(device)):
        assert torch.backends.cuda.cudnn_sdp_enabled() is (cudnn and before)
        assert torch.backends.cuda.mem_efficient_sdp_enabled() and torch.backends.cuda.flash_sdp_enabled()
        assert not torch.is_grad_enabled()
    assert torch.backends.cuda.cudnn_sdp_enabled() is before and torch.is_grad_enabled()
