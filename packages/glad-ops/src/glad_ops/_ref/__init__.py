"""Pure-PyTorch reference implementations (spec §1): plain tensor ops, so autograd gives every gradient order.

These functions take already-validated, normalised arguments; the public wrappers in `glad_ops` check them.
"""

from .bias_act import bias_act
from .filtered_lrelu import filtered_lrelu
from .upfirdn2d import upfirdn2d

__all__ = ["bias_act", "filtered_lrelu", "upfirdn2d"]
