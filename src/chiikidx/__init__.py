"""chiikidx — 地域DX推進プラットフォーム."""

__version__ = "0.1.0"
