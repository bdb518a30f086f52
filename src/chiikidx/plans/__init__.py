"""DX推進計画: vision → policies → measures, dependencies, schedule, approvals, baselines."""
