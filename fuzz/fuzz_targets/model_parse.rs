//! Fuzzes `ferrokern::model::Model::parse`: arbitrary bytes must give `Ok` or `Err`, never a
//! panic or an out-of-bounds read; on `Ok` every accessor is exercised and every tensor decoded.
//!
//! Each input is parsed twice: as given, and with its last 4 bytes replaced by the CRC-32 of
//! the rest, so mutations get past the checksum and reach the structural checks.
#![no_main]

use ferrokern::model::{crc32, Model};
use libfuzzer_sys::fuzz_target;

fn walk(bytes: &[u8]) {
    let Ok(model) = Model::parse(bytes) else { return };
    let _ = model.kind();
    for (key, value) in model.metas() {
        assert_eq!(model.meta(key), Some(value));
    }
    assert_eq!(model.tensors().count(), model.tensor_count());
    for tensor in model.tensors() {
        assert_eq!(model.tensor(tensor.name()).ok(), Some(tensor));
        assert_eq!(tensor.bytes().len(), tensor.len() * tensor.dtype().size());
        assert_eq!(tensor.data_offset() % 16, 0);
        assert!(tensor.expect_shape(tensor.shape()).is_ok());
        if let Ok(values) = tensor.values::<f32>() {
            assert_eq!(values.count(), tensor.len());
        }
        if let Ok(values) = tensor.values::<u32>() {
            assert_eq!(values.count(), tensor.len());
        }
        if let Ok(values) = tensor.values::<i32>() {
            assert_eq!(values.count(), tensor.len());
        }
        let _ = (tensor.get_f32(0), tensor.get::<u32>(tensor.len()), tensor.get::<i32>(usize::MAX));
    }
}

fuzz_target!(|data: &[u8]| {
    walk(data);
    if let Some(body_len) = data.len().checked_sub(4) {
        let mut fixed = data.to_vec();
        let crc = crc32(&fixed[..body_len]);
        fixed[body_len..].copy_from_slice(&crc.to_le_bytes());
        walk(&fixed);
    }
});
