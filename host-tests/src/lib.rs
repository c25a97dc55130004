//! Integration tests live in `tests/`; shared fixtures in `data/`.
