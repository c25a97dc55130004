//! The ferrokern model file format (`.fkm`). See `docs/model-format.md`.
