"""The НМО portal's API code: routes → services → domain / db (imports run one way only)."""
