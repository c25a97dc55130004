//! model family: parse and validate a `.fkm` file (CRC, table, bounds) and read one tensor.
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::hint::black_box;

use ferrokern::model::Model;

fw_minimal::minimal_main!(run);

/// A small valid model file (the model-parser fuzz seed).
static FILE: &[u8] = include_bytes!("../../../../fuzz/corpus/model_parse/seed-small.fkm");

fn run() -> bool {
    body().is_ok()
}

fn body() -> ferrokern::Result<()> {
    let model = Model::parse(black_box(FILE))?;
    let first = model.tensor_at(0)?;
    black_box(first);
    black_box(model.kind());
    Ok(())
}
