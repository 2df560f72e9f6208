"""Site build hooks."""
