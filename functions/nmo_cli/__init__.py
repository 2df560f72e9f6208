"""The `nmo` admin CLI and the local stack. Not part of the Lambda package (chalice packages only
app.py and chalicelib/)."""
