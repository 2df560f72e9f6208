"""Pure domain rules: identifiers, reference data, rule sets, cycles. No I/O, no Chalice, no boto."""
