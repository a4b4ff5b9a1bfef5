"""What every layer uses: one-line errors, the registry of named factories, specs, validation, the device and
environment, progress bars, and the catalog behind ``ltsc-bench list``."""
