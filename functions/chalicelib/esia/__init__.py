"""The ЕСИА (Госуслуги) adapter, beside `db/`: request signing, the OAuth client, token checks.

Protocol: design/esia.md (`v2/ac` + `v3/te`, GOST R 34.10-2012 client_secret, RS256 tokens).
"""
