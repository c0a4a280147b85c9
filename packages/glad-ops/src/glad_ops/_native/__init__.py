"""Autograd formulas and fake (meta) kernels for the compiled `glad_ops::*` ops.

Imported by `_load` right after the CPU library (which defines the schemas) has loaded; importing it without
the library fails, and `_load` records that as the reason the native path is unavailable.
"""

from . import bias_act, filtered_lrelu, upfirdn2d  # noqa: F401 - registration side effects
