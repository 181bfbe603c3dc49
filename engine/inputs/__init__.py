"""What comes in: the one input policy at the boundary (policy.py: text without control characters, finite
numbers, dates within a sane range, sizes) and the request schemas built on it (schemas.py), used alike by
the API, the pages and the engine. May import: the shared modules (errors, enums) only."""
