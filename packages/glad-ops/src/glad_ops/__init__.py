"""glad-ops: the StyleGAN3 custom ops (bias_act, upfirdn2d, filtered_lrelu) as torch custom ops.

Each op has a pure-PyTorch reference path (`impl='ref'`) and compiled CPU/CUDA kernels (`impl='native'`);
`impl=None` picks the compiled kernels when they serve the input's device and dtype.
`native_available(device)` says whether they do, and why not.
"""

from ._load import NativeStatus, native_available
from ._load import state as _load_state
from ._version import __version__
from .bias_act import bias_act
from .filtered_lrelu import filtered_lrelu
from .filters import setup_filter
from .latent_backprop import latent_backprop
from .resample import downsample2d, filter2d, upsample2d
from .upfirdn2d import upfirdn2d

_load_state()  # load the compiled kernels now (never raises), so torch.ops.glad_ops.* exist after import

__all__ = [
    "NativeStatus",
    "__version__",
    "bias_act",
    "downsample2d",
    "filter2d",
    "filtered_lrelu",
    "latent_backprop",
    "native_available",
    "setup_filter",
    "upfirdn2d",
    "upsample2d",
]
