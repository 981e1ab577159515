"""unawait's tests: the golden modules are data, not tests to collect."""

collect_ignore = ["golden"]
