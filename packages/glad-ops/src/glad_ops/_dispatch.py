"""Choose the implementation of one call: the reference path or the compiled kernels."""

from __future__ import annotations

import torch

from ._load import native_available

# dtypes each device's compiled kernels accept; other dtypes go to the reference path when impl=None
NATIVE_DTYPES: dict[str, tuple[torch.dtype, ...]] = {
    "cpu": (torch.float16, torch.bfloat16, torch.float32, torch.float64),
    "cuda": (torch.float16, torch.bfloat16, torch.float32),
}


def use_native(x: torch.Tensor, impl: str | None, op: str) -> bool:
    """True -> call the native op. None: native iff it serves x's device and dtype; 'native': insist."""
    if impl == "ref":
        return False
    status = native_available(x.device)
    serves_dtype = x.dtype in NATIVE_DTYPES.get(x.device.type, ())
    if impl is None:
        return bool(status) and serves_dtype
    if not status:
        raise RuntimeError(
            f"{op}(impl='native'): compiled kernels are unavailable on {x.device}: {status.reason}"
        )
    if not serves_dtype:
        served = ", ".join(str(d) for d in NATIVE_DTYPES.get(x.device.type, ()))
        raise TypeError(
            f"{op}(impl='native'): x dtype {x.dtype} is not served by the {x.device.type} kernels "
            f"(they take {served}); use impl=None or impl='ref'"
        )
    return True
