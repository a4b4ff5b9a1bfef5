"""The contract any compressor must pass (``ltsc-bench check``, ``harness.testing``, the ``compressor_contract``
pytest fixture): its checks, adversarial inputs and report."""

from .checks import check_compressor  # noqa: E402,F401  (harness.contract.check_compressor, as before the grouping)
from .report import ContractReport  # noqa: E402,F401
