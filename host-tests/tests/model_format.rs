//! The `.fkm` model format (docs/model-format.md): round trips, the documented byte layout,
//! f16/bf16 decoding against the `half` crate and hand-computed values, and rejection of every
//! truncation, every bit flip and crafted malformed files (with a valid CRC, so the structural
//! check itself is what fires).

use ferrokern::model::{self, DType, MetaValue, Model, ModelWriter};
use ferrokern::Error;
use proptest::prelude::*;

/// Reference CRC-32 (IEEE, reflected poly 0xEDB88320), bit by bit: independent of the `crc`
/// crate the library uses.
fn ref_crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Recomputes the trailing CRC after a deliberate edit.
fn fix_crc(bytes: &mut [u8]) {
    let n = bytes.len() - 4;
    let crc = ref_crc32(&bytes[..n]);
    bytes[n..].copy_from_slice(&crc.to_le_bytes());
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// The `reason` of an `Error::Model`, panicking (test failure) on anything else.
fn reason<T: std::fmt::Debug>(r: ferrokern::Result<T>) -> &'static str {
    match r {
        Err(Error::Model { reason, .. }) => reason,
        other => panic!("expected Error::Model, got {other:?}"),
    }
}

// Documented layout (docs/model-format.md), written out here independently of the library.
const H_FILE_LEN: usize = 8;
const H_VERSION: usize = 4;
const H_TABLE_OFFSET: usize = 44;
const T_NAME: usize = 0;
const T_DTYPE: usize = 32;
const T_RANK: usize = 33;
const T_DIMS: usize = 36;
const T_OFFSET: usize = 52;
const T_LEN: usize = 56;
const ENTRY: usize = 64;

/// A small model: 1 metadata entry, an f32 [2,3] and an f16 [3] tensor (298 bytes).
fn small() -> Vec<u8> {
    let mut w = ModelWriter::new("mlp").unwrap();
    w.meta_i64("hidden", 3).unwrap();
    w.tensor_f32("w", &[2, 3], &[1.0, -2.0, 3.5, 0.0, 1e-3, 7.0]).unwrap();
    w.tensor_f16("b", &[3], &[0.5, -1.0, 2.0]).unwrap();
    w.to_bytes().unwrap()
}

/// Offset of tensor entry `i` in a file (from the header's table offset).
fn entry(bytes: &[u8], i: usize) -> usize {
    u32_at(bytes, H_TABLE_OFFSET) as usize + i * ENTRY
}

#[test]
fn crc_matches_the_standard_check_value() {
    // The CRC-32/ISO-HDLC check value from the CRC catalogue.
    assert_eq!(ref_crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(model::crc32(b"123456789"), 0xCBF4_3926);
}

#[test]
fn header_and_entries_follow_the_documented_layout() {
    let b = small();
    assert_eq!(&b[0..4], b"FKM\0");
    assert_eq!(u16_at(&b, H_VERSION), 1);
    assert_eq!(u16_at(&b, 6), 64);
    assert_eq!(u32_at(&b, H_FILE_LEN) as usize, b.len());
    assert_eq!(u32_at(&b, 12), 0);
    assert_eq!(&b[16..32], b"mlp\0\0\0\0\0\0\0\0\0\0\0\0\0");
    assert_eq!((u32_at(&b, 32), u32_at(&b, 36)), (1, 64)); // metadata count, offset
    assert_eq!((u32_at(&b, 40), u32_at(&b, 44)), (2, 128)); // tensor count, table offset
    assert!(b[48..64].iter().all(|&x| x == 0));
    // Metadata entry at 64: key, type 3 (i64), length 8, value.
    assert_eq!(&b[64..70], b"hidden");
    assert_eq!((b[64 + 24], b[64 + 25]), (3, 8));
    assert_eq!(i64::from_le_bytes(b[96..104].try_into().unwrap()), 3);
    // Tensor entries at 128 and 192; data at 256 and 288 (16-byte aligned), CRC at the end.
    let (e0, e1) = (entry(&b, 0), entry(&b, 1));
    assert_eq!((b[e0 + T_NAME], b[e0 + T_DTYPE], b[e0 + T_RANK]), (b'w', 1, 2));
    assert_eq!(
        (u32_at(&b, e0 + T_DIMS), u32_at(&b, e0 + T_DIMS + 4), u32_at(&b, e0 + T_DIMS + 8)),
        (2, 3, 0)
    );
    assert_eq!((u32_at(&b, e0 + T_OFFSET), u32_at(&b, e0 + T_LEN)), (256, 24));
    assert_eq!((b[e1 + T_NAME], b[e1 + T_DTYPE], b[e1 + T_RANK]), (b'b', 2, 1));
    assert_eq!((u32_at(&b, e1 + T_OFFSET), u32_at(&b, e1 + T_LEN)), (288, 6));
    assert_eq!(f32::from_le_bytes(b[256 + 8..256 + 12].try_into().unwrap()), 3.5);
    assert_eq!(b.len(), 288 + 6 + 4);
    assert_eq!(u32_at(&b, b.len() - 4), ref_crc32(&b[..b.len() - 4]));
}

#[test]
fn round_trip_of_every_dtype_and_metadata() {
    let f: Vec<f32> = (0..24).map(|i| (i as f32 - 11.5) * 0.37).collect();
    let mut w = ModelWriter::new("optim-state").unwrap();
    w.meta_str("task", "classification").unwrap();
    w.meta_str("note", "ünïcødé ✓").unwrap();
    w.meta_str("empty", "").unwrap();
    w.meta_f64("lr", 1.25e-3).unwrap();
    w.meta_f64("tiny", f64::MIN_POSITIVE).unwrap();
    w.meta_i64("min", i64::MIN).unwrap();
    w.meta_i64("hidden", 64).unwrap();
    w.tensor_f32("layer0.weight", &[2, 3, 4], &f).unwrap();
    w.tensor_f16("layer0.bias", &[4], &f[..4]).unwrap();
    w.tensor_bf16("x.bf", &[1, 2, 3, 2], &f[..12]).unwrap();
    w.tensor_i32("ints", &[5], &[i32::MIN, -1, 0, 1, i32::MAX]).unwrap();
    w.tensor_u32("labels", &[2, 2], &[0, 7, u32::MAX, 3]).unwrap();
    w.tensor_u8("bytes", &[3], &[0, 128, 255]).unwrap();
    w.tensor_f32("scalar", &[], &[42.0]).unwrap();
    w.tensor_f32("nothing", &[3, 0], &[]).unwrap();
    let bytes = w.to_bytes().unwrap();
    let m = Model::parse(&bytes).unwrap();

    assert_eq!(m.kind(), "optim-state");
    assert_eq!(m.meta_str("task").unwrap(), "classification");
    assert_eq!(m.meta_str("note").unwrap(), "ünïcødé ✓");
    assert_eq!(m.meta_str("empty").unwrap(), "");
    assert_eq!(m.meta_f64("lr").unwrap(), 1.25e-3);
    assert_eq!(m.meta_f64("tiny").unwrap(), f64::MIN_POSITIVE);
    assert_eq!(m.meta_i64("min").unwrap(), i64::MIN);
    assert_eq!(m.meta_usize("hidden").unwrap(), 64);
    assert!(m.meta_usize("min").is_err());
    let keys: Vec<&str> = m.metas().map(|(k, _)| k).collect();
    assert_eq!(keys, ["task", "note", "empty", "lr", "tiny", "min", "hidden"]);
    assert_eq!(m.meta("lr"), Some(MetaValue::F64(1.25e-3)));

    let names: Vec<&str> = m.tensors().map(|t| t.name()).collect();
    assert_eq!(
        names,
        ["layer0.weight", "layer0.bias", "x.bf", "ints", "labels", "bytes", "scalar", "nothing"]
    );
    assert_eq!(m.tensor_count(), 8);
    for t in m.tensors() {
        assert_eq!(t.data_offset() % 16, 0, "{} misaligned", t.name());
        assert_eq!(t.bytes().len(), t.len() * t.dtype().size());
    }

    let mut out = vec![0.0f32; 24];
    m.read_f32("layer0.weight", &[2, 3, 4], &mut out).unwrap();
    assert_eq!(out, f);
    let bias = m.tensor("layer0.bias").unwrap();
    assert_eq!(bias.dtype(), DType::F16);
    let want: Vec<f32> = f[..4].iter().map(|&x| half::f16::from_f32(x).to_f32()).collect();
    assert_eq!(bias.values::<f32>().unwrap().collect::<Vec<_>>(), want);
    let bf = m.tensor("x.bf").unwrap();
    assert_eq!(bf.shape(), &[1, 2, 3, 2]);
    let want: Vec<f32> = f[..12].iter().map(|&x| half::bf16::from_f32(x).to_f32()).collect();
    assert_eq!(bf.values::<f32>().unwrap().collect::<Vec<_>>(), want);

    let mut ints = [0i32; 5];
    m.tensor("ints").unwrap().to_i32(&mut ints).unwrap();
    assert_eq!(ints, [i32::MIN, -1, 0, 1, i32::MAX]);
    let mut labels = [0u32; 4];
    m.tensor("labels").unwrap().to_u32(&mut labels).unwrap();
    assert_eq!(labels, [0, 7, u32::MAX, 3]);
    let by = m.tensor("bytes").unwrap();
    assert_eq!(by.bytes(), &[0, 128, 255]);
    assert_eq!((by.get::<u32>(2), by.get::<i32>(1)), (Some(255), Some(128)));
    let s = m.tensor("scalar").unwrap();
    assert_eq!((s.shape(), s.len(), s.get_f32(0), s.get_f32(1)), (&[][..], 1, Some(42.0), None));
    let e = m.tensor("nothing").unwrap();
    assert!(e.is_empty());
    assert_eq!(e.shape(), &[3, 0]);
}

#[test]
fn f16_and_bf16_decode_to_half_crate_values() {
    // Every 16-bit pattern, stored raw, decodes bit-exactly as `half` does (NaNs: still NaN).
    let patterns: Vec<u8> = (0..=u16::MAX).flat_map(u16::to_le_bytes).collect();
    let mut w = ModelWriter::new("t").unwrap();
    w.tensor_bytes("h", DType::F16, &[65536], &patterns).unwrap();
    w.tensor_bytes("bh", DType::BF16, &[256, 256], &patterns).unwrap();
    let bytes = w.to_bytes().unwrap();
    let m = Model::parse(&bytes).unwrap();
    let mut h = vec![0.0f32; 65536];
    let mut bh = vec![0.0f32; 65536];
    m.tensor("h").unwrap().to_f32(&mut h).unwrap();
    m.tensor("bh").unwrap().to_f32(&mut bh).unwrap();
    for bits in 0..=u16::MAX {
        let i = usize::from(bits);
        let (a, b) = (half::f16::from_bits(bits).to_f32(), half::bf16::from_bits(bits).to_f32());
        assert!(h[i].to_bits() == a.to_bits() || (h[i].is_nan() && a.is_nan()), "f16 {bits:#06x}");
        assert!(bh[i].to_bits() == b.to_bits() || (bh[i].is_nan() && b.is_nan()), "bf16 {bits:#06x}");
    }
    // Hand-computed values (IEEE binary16: 1 sign, 5 exponent, 10 fraction bits; bf16: 1/8/7).
    assert_eq!(h[0x3C00], 1.0);
    assert_eq!(h[0xC000], -2.0);
    assert_eq!(h[0x7BFF], 65504.0);
    assert_eq!(h[0x0001], 2f32.powi(-24));
    assert_eq!(h[0x7C00], f32::INFINITY);
    assert_eq!(bh[0x3F80], 1.0);
    assert_eq!(bh[0x4049], 3.140625);
    assert_eq!(bh[0xC2F7], -123.5);
    // get_f32 agrees with the bulk decode.
    let t = m.tensor("h").unwrap();
    assert_eq!(t.get_f32(0x3555), Some(h[0x3555]));
}

#[test]
fn writer_rounds_to_nearest_half_precision() {
    let xs = [0.1f32, 1.0 / 3.0, -65504.0, 1e-7, 2.71, -0.0];
    let mut w = ModelWriter::new("t").unwrap();
    w.tensor_f16("h", &[6], &xs).unwrap().tensor_bf16("b", &[6], &xs).unwrap();
    let bytes = w.to_bytes().unwrap();
    let m = Model::parse(&bytes).unwrap();
    for (i, &x) in xs.iter().enumerate() {
        assert_eq!(m.tensor("h").unwrap().get_f32(i), Some(half::f16::from_f32(x).to_f32()));
        assert_eq!(m.tensor("b").unwrap().get_f32(i), Some(half::bf16::from_f32(x).to_f32()));
    }
    // 0.1 in f16 is 0x2E66 = 1.599609375 · 2^-4 (hand-computed nearest).
    assert_eq!(m.tensor("h").unwrap().get_f32(0), Some(0.099_975_586));
}

#[test]
fn every_truncation_is_rejected() {
    let b = small();
    for n in 0..b.len() {
        let r = reason(Model::parse(&b[..n]));
        let want = if n < 64 { "truncated header" } else { "truncated file" };
        assert_eq!(r, want, "prefix of {n} bytes");
    }
    let mut longer = b.clone();
    longer.push(0);
    assert_eq!(reason(Model::parse(&longer)), "trailing bytes after checksum");
}

#[test]
fn every_bit_flip_is_rejected() {
    let b = small();
    assert!(Model::parse(&b).is_ok());
    let mut flipped = b.clone();
    for bit in 0..b.len() * 8 {
        flipped[bit / 8] ^= 1 << (bit % 8);
        assert!(matches!(Model::parse(&flipped), Err(Error::Model { .. })), "bit {bit} flipped was accepted");
        flipped[bit / 8] ^= 1 << (bit % 8);
    }
}

#[test]
fn bad_magic_and_wrong_version_are_rejected() {
    let mut b = small();
    b[0] = b'X';
    fix_crc(&mut b);
    assert_eq!(reason(Model::parse(&b)), "bad magic");
    let mut b = small();
    b[H_VERSION] = 2;
    fix_crc(&mut b);
    assert_eq!(reason(Model::parse(&b)), "unsupported version");
    let mut b = small();
    b[H_VERSION] = 0;
    fix_crc(&mut b);
    assert_eq!(reason(Model::parse(&b)), "unsupported version");
}

/// Applies `edit` to a copy of the small model, fixes the CRC and returns the parse error reason.
fn crafted(edit: impl FnOnce(&mut Vec<u8>)) -> &'static str {
    let mut b = small();
    edit(&mut b);
    fix_crc(&mut b);
    reason(Model::parse(&b))
}

#[test]
fn misaligned_and_out_of_bounds_offsets_are_rejected() {
    let e1 = entry(&small(), 1);
    for delta in [1, 2, 4, 8, 12] {
        let r = crafted(|b| {
            let off = u32_at(b, e1 + T_OFFSET);
            put_u32(b, e1 + T_OFFSET, off - delta);
        });
        assert_eq!(r, "misaligned tensor data", "shifted by -{delta}");
    }
    // Aligned but past the end of the data (the CRC is not tensor data).
    assert_eq!(crafted(|b| put_u32(b, e1 + T_OFFSET, 304)), "tensor data out of bounds");
    assert_eq!(crafted(|b| put_u32(b, e1 + T_OFFSET, u32::MAX - 15)), "tensor data out of bounds");
    // Overlapping the previous tensor, and the tensor table.
    assert_eq!(crafted(|b| put_u32(b, e1 + T_OFFSET, 256)), "tensor data overlaps table or previous tensor");
    let e0 = entry(&small(), 0);
    assert_eq!(crafted(|b| put_u32(b, e0 + T_OFFSET, 176)), "tensor data overlaps table or previous tensor");
    // Tables.
    assert_eq!(crafted(|b| put_u32(b, H_TABLE_OFFSET, 132)), "misaligned tensor table");
    assert_eq!(crafted(|b| put_u32(b, H_TABLE_OFFSET, 64)), "tensor table overlaps metadata");
    assert_eq!(crafted(|b| put_u32(b, 40, u32::MAX)), "tensor table out of bounds");
    assert_eq!(crafted(|b| put_u32(b, 36, 72)), "misaligned metadata table");
    assert_eq!(crafted(|b| put_u32(b, 36, 48)), "metadata table overlaps header");
    assert_eq!(crafted(|b| put_u32(b, 32, 1 << 30)), "metadata table out of bounds");
    assert_eq!(crafted(|b| put_u32(b, H_FILE_LEN, 60)), "file length field too small");
}

#[test]
fn shape_dtype_and_name_corruptions_are_rejected() {
    let e0 = entry(&small(), 0);
    assert_eq!(crafted(|b| put_u32(b, e0 + T_DIMS, 3)), "shape does not match data length");
    assert_eq!(crafted(|b| put_u32(b, e0 + T_LEN, 20)), "shape does not match data length");
    assert_eq!(crafted(|b| b[e0 + T_RANK] = 1), "dimension beyond rank not zero");
    assert_eq!(crafted(|b| b[e0 + T_RANK] = 5), "tensor rank above 4");
    assert_eq!(crafted(|b| put_u32(b, e0 + T_DIMS + 8, 1)), "dimension beyond rank not zero");
    assert_eq!(
        crafted(|b| {
            b[e0 + T_RANK] = 4;
            (0..4).for_each(|i| put_u32(b, e0 + T_DIMS + 4 * i, u32::MAX));
        }),
        "tensor element count overflows"
    );
    assert_eq!(crafted(|b| b[e0 + T_DTYPE] = 7), "unknown tensor dtype");
    assert_eq!(crafted(|b| b[e0 + T_DTYPE] = 0), "unknown tensor dtype");
    assert_eq!(crafted(|b| b[e0 + T_DTYPE] = 2), "shape does not match data length"); // f16: 12 bytes
    let e1 = entry(&small(), 1);
    assert_eq!(crafted(|b| b[e1 + T_NAME] = b'w'), "duplicate tensor name");
    assert_eq!(crafted(|b| b[e1 + T_NAME] = 0), "empty tensor name");
    assert_eq!(crafted(|b| b[e1 + T_NAME + 5] = b'x'), "tensor name padding not zero");
    assert_eq!(crafted(|b| b[e1 + T_NAME] = 0xFF), "tensor name not UTF-8");
    assert_eq!(crafted(|b| b[e1 + 34] = 1), "reserved tensor entry bytes not zero");
    assert_eq!(crafted(|b| b[16] = 0), "empty model kind");
    assert_eq!(crafted(|b| b[50] = 1), "reserved header bytes not zero");
    assert_eq!(crafted(|b| b[12] = 1), "unsupported flags");
    assert_eq!(crafted(|b| b[64 + 24] = 9), "unknown metadata value type");
    assert_eq!(crafted(|b| b[64 + 25] = 4), "metadata number length not 8");
    assert_eq!(crafted(|b| (b[64 + 24], b[64 + 25]) = (1, 33)), "metadata string longer than 32 bytes");
    assert_eq!(crafted(|b| (b[64 + 24], b[96]) = (1, 0xFF)), "metadata string not UTF-8");
    assert_eq!(crafted(|b| (b[64 + 24], b[64 + 25], b[100]) = (1, 4, 1)), "metadata value padding not zero");
    assert_eq!(crafted(|b| b[64 + 27] = 1), "reserved metadata bytes not zero");
    assert_eq!(crafted(|b| b[104] = 1), "metadata value padding not zero");
    assert_eq!(
        crafted(|b| {
            b[64 + 24] = 2;
            b[96..104].copy_from_slice(&f64::INFINITY.to_le_bytes());
        }),
        "non-finite metadata value"
    );
}

#[test]
fn accessors_report_missing_wrong_shape_and_wrong_type() {
    let b = small();
    let m = Model::parse(&b).unwrap();
    assert_eq!(reason(m.tensor("nope")), "tensor not found");
    assert!(m.find("nope").is_none());
    assert_eq!(reason(m.tensor_at(2)), "tensor index out of range");
    assert_eq!(reason(m.meta_str("nope")), "metadata key not found");
    assert_eq!(reason(m.meta_str("hidden")), "metadata value has another type");
    assert_eq!(reason(m.meta_f64("hidden")), "metadata value has another type");
    let w = m.tensor("w").unwrap();
    assert_eq!(
        w.expect_shape(&[3, 2]),
        Err(Error::DimensionMismatch { what: "tensor dimension", expected: 3, found: 2 })
    );
    assert_eq!(
        w.expect_shape(&[6]),
        Err(Error::DimensionMismatch { what: "tensor rank", expected: 1, found: 2 })
    );
    assert!(w.expect_shape(&[2, 3]).is_ok());
    let mut short = [9.0f32; 5];
    assert!(matches!(w.to_f32(&mut short), Err(Error::DimensionMismatch { .. })));
    assert_eq!(short, [9.0; 5], "output untouched on error");
    let mut ints = [0u32; 6];
    assert_eq!(reason(w.to_u32(&mut ints)), "tensor dtype does not convert to the requested type");
    assert_eq!(w.get::<i32>(0), None);
    let mut out = [0.0f32; 6];
    assert!(matches!(m.read_f32("w", &[6], &mut out), Err(Error::DimensionMismatch { .. })));
}

#[test]
fn writer_rejects_bad_input() {
    let mut w = ModelWriter::new("mlp").unwrap();
    assert!(ModelWriter::new("").is_err());
    assert!(ModelWriter::new("seventeen-chars-x").is_err());
    assert!(ModelWriter::new("sixteen-chars-xx").is_ok());
    let long = "n".repeat(33);
    assert!(w.tensor_f32(&long, &[1], &[1.0]).is_err());
    assert!(w.tensor_f32(&long[..32], &[1], &[1.0]).is_ok());
    assert!(w.tensor_f32(&long[..32], &[1], &[1.0]).is_err(), "duplicate");
    assert!(w.tensor_f32("", &[1], &[1.0]).is_err());
    assert!(w.tensor_f32("a\0b", &[1], &[1.0]).is_err());
    assert!(matches!(w.tensor_f32("s", &[2, 2], &[1.0; 3]), Err(Error::DimensionMismatch { .. })));
    assert!(w.tensor_f32("r", &[1, 1, 1, 1, 1], &[1.0]).is_err());
    assert!(matches!(w.tensor_f32("nan", &[2], &[1.0, f32::NAN]), Err(Error::NonFinite { index: 1, .. })));
    assert!(matches!(w.tensor_f16("big", &[1], &[70000.0]), Err(Error::NonFinite { .. })));
    assert!(w.tensor_bf16("big", &[1], &[70000.0]).is_ok());
    assert!(w.meta_str("k", &"v".repeat(33)).is_err());
    assert!(w.meta_str(&"k".repeat(25), "v").is_err());
    assert!(w.meta_f64("inf", f64::INFINITY).is_err());
    assert!(w.meta_i64("k", 1).is_ok());
    assert!(w.meta_i64("k", 2).is_err(), "duplicate key");
    assert!(w.tensor_bytes("u", DType::U32, &[2], &[0; 7]).is_err());
    // Everything rejected left no trace: the file parses with exactly the accepted items.
    let bytes = w.to_bytes().unwrap();
    let m = Model::parse(&bytes).unwrap();
    assert_eq!((m.tensor_count(), m.meta_count()), (2, 1));
}

#[test]
fn write_file_is_atomic_and_parses() {
    let dir = std::env::temp_dir().join(format!("ferrokern-model-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.fkm");
    let mut w = ModelWriter::new("gbnn").unwrap();
    w.tensor_f32("t", &[2], &[1.0, 2.0]).unwrap();
    w.write_file(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes, w.to_bytes().unwrap());
    assert_eq!(Model::parse(&bytes).unwrap().kind(), "gbnn");
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, [std::ffi::OsString::from("m.fkm")]);
    std::fs::remove_dir_all(&dir).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Arbitrary bytes never panic; whatever parses can be walked and decoded completely.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        walk(&bytes);
    }

    /// Random edits of a valid file with the CRC repaired (so the structural checks run) never
    /// panic.
    #[test]
    fn edited_files_with_valid_crc_never_panic(
        edits in proptest::collection::vec((0usize..294, any::<u8>()), 1..6)
    ) {
        let mut b = small();
        for (at, v) in edits {
            b[at] = v;
        }
        fix_crc(&mut b);
        walk(&b);
    }
}

fn walk(bytes: &[u8]) {
    if let Ok(m) = Model::parse(bytes) {
        let _ = (m.kind(), m.metas().count());
        for t in m.tensors() {
            let _ = (t.values::<f32>().map(Iterator::count), t.values::<u32>().map(Iterator::count));
            let _ = t.values::<i32>().map(Iterator::count);
            assert_eq!(t.bytes().len(), t.len() * t.dtype().size());
        }
    }
}

#[derive(Debug, Clone)]
struct RandomTensor {
    dtype: DType,
    shape: Vec<usize>,
    values: Vec<f32>,
}

fn random_tensor() -> impl Strategy<Value = RandomTensor> {
    (proptest::sample::select(DType::ALL.to_vec()), proptest::collection::vec(0usize..4, 0..=4))
        .prop_flat_map(|(dtype, shape)| {
            let n: usize = shape.iter().product();
            proptest::collection::vec(-1000i32..1000, n).prop_map(move |ints| RandomTensor {
                dtype,
                shape: shape.clone(),
                values: ints.into_iter().map(|i| i as f32 * 0.25).collect(),
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random valid models round-trip: names, dtypes, shapes, values (exact for values every
    /// dtype represents: multiples of 0.25 up to 250 fit f16/bf16's 8+ significant bits; ints
    /// take the integer part for integer dtypes), metadata.
    #[test]
    fn random_models_round_trip(
        tensors in proptest::collection::vec(random_tensor(), 0..6),
        ints in proptest::collection::vec(any::<i64>(), 0..4),
    ) {
        let mut w = ModelWriter::new("prop").unwrap();
        for (i, &v) in ints.iter().enumerate() {
            w.meta_i64(&format!("k{i}"), v).unwrap();
        }
        let mut expected = Vec::new();
        for (i, t) in tensors.iter().enumerate() {
            let name = format!("t{i}.w");
            let ints: Vec<i32> = t.values.iter().map(|&x| x as i32).collect();
            let want: Vec<f32> = match t.dtype {
                DType::F32 => { w.tensor_f32(&name, &t.shape, &t.values).unwrap(); t.values.clone() }
                DType::F16 => { w.tensor_f16(&name, &t.shape, &t.values).unwrap();
                    t.values.iter().map(|&x| half::f16::from_f32(x).to_f32()).collect() }
                DType::BF16 => { w.tensor_bf16(&name, &t.shape, &t.values).unwrap();
                    t.values.iter().map(|&x| half::bf16::from_f32(x).to_f32()).collect() }
                DType::I32 => { w.tensor_i32(&name, &t.shape, &ints).unwrap(); ints.iter().map(|&x| x as f32).collect() }
                DType::U32 => { let u: Vec<u32> = ints.iter().map(|&x| x.unsigned_abs()).collect();
                    w.tensor_u32(&name, &t.shape, &u).unwrap(); u.iter().map(|&x| x as f32).collect() }
                _ => { let u: Vec<u8> = ints.iter().map(|&x| x.unsigned_abs() as u8).collect();
                    w.tensor_u8(&name, &t.shape, &u).unwrap(); u.iter().map(|&x| f32::from(x)).collect() }
            };
            expected.push((name, t, want));
        }
        let bytes = w.to_bytes().unwrap();
        prop_assert_eq!(u32_at(&bytes, bytes.len() - 4), ref_crc32(&bytes[..bytes.len() - 4]));
        let m = Model::parse(&bytes).unwrap();
        prop_assert_eq!(m.tensor_count(), tensors.len());
        for (i, &v) in ints.iter().enumerate() {
            prop_assert_eq!(m.meta_i64(&format!("k{i}")).unwrap(), v);
        }
        for (name, t, want) in &expected {
            let got = m.tensor(name).unwrap();
            prop_assert_eq!(got.dtype(), t.dtype);
            prop_assert_eq!(got.shape(), &t.shape[..]);
            let decoded: Vec<f32> = if t.dtype.is_float() {
                got.values::<f32>().unwrap().collect()
            } else if t.dtype == DType::I32 {
                got.values::<i32>().unwrap().map(|x| x as f32).collect()
            } else {
                got.values::<u32>().unwrap().map(|x| x as f32).collect()
            };
            prop_assert_eq!(&decoded, want);
        }
    }
}

/// A fixed tiny model for the embedded-source fixture and the fuzz seed corpus.
fn tiny() -> Vec<u8> {
    let mut w = ModelWriter::new("denoiser").unwrap();
    w.meta_str("activation", "relu").unwrap().meta_f64("sigma", 0.1).unwrap();
    w.tensor_bf16("layer0.weight", &[2, 2], &[0.5, -0.5, 1.5, 2.0]).unwrap();
    w.tensor_f32("standardize.mean", &[3], &[1.0, 2.0, 3.0]).unwrap();
    w.to_bytes().unwrap()
}

/// Every dtype, small, plus an empty model: seeds for the fuzzer.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut all = ModelWriter::new("gbnn").unwrap();
    all.meta_str("task", "classification").unwrap().meta_i64("trees", -3).unwrap();
    all.tensor_f32("a", &[2], &[1.0, -1.0]).unwrap();
    all.tensor_f16("b", &[1, 2], &[0.5, 4.0]).unwrap();
    all.tensor_bf16("c", &[], &[8.0]).unwrap();
    all.tensor_i32("d", &[1, 1, 1, 2], &[-7, 7]).unwrap();
    all.tensor_u32("e", &[0], &[]).unwrap();
    all.tensor_u8("f", &[3], &[1, 2, 3]).unwrap();
    let empty = ModelWriter::new("mlp").unwrap().to_bytes().unwrap();
    vec![
        ("seed-small.fkm", small()),
        ("seed-tiny.fkm", tiny()),
        ("seed-all-dtypes.fkm", all.to_bytes().unwrap()),
        ("seed-empty.fkm", empty),
    ]
}

mod embedded {
    // Generated by `model::to_rust_source(&tiny(), "TINY_MODEL")`; checked below.
    include!("../data/model/tiny_model.rs");
}

#[test]
fn rust_source_embedding_is_current_aligned_and_parses() {
    let bytes = tiny();
    let src = model::to_rust_source(&bytes, "TINY_MODEL");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/model/tiny_model.rs");
    if std::env::var_os("FERROKERN_BLESS").is_some() {
        std::fs::write(path, &src).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), src, "stale fixture: rerun with FERROKERN_BLESS=1");
    assert_eq!(embedded::TINY_MODEL, &bytes[..]);
    assert_eq!(embedded::TINY_MODEL.as_ptr() as usize % 16, 0, "embedded model not 16-byte aligned");
    let m = Model::parse(embedded::TINY_MODEL).unwrap();
    let t = m.tensor("standardize.mean").unwrap();
    assert_eq!(t.data_offset() % 16, 0);
    assert_eq!((embedded::TINY_MODEL.as_ptr() as usize + t.data_offset()) % 16, 0);
    assert_eq!(m.meta_str("activation").unwrap(), "relu");
}

#[test]
fn c_source_embedding_declares_aligned_array() {
    let bytes = tiny();
    let src = model::to_c_source(&bytes, "tiny-model");
    let n = bytes.len();
    assert!(src.contains(&format!("__attribute__((aligned(16))) const unsigned char tiny_model[{n}] = {{")));
    assert!(src.contains(&format!("const unsigned long tiny_model_len = {n};")));
    // The listed bytes are the file.
    let body = &src[src.find('{').unwrap() + 1..src.find("};").unwrap()];
    let listed: Vec<u8> = body
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| u8::from_str_radix(s.trim_start_matches("0x"), 16).unwrap())
        .collect();
    assert_eq!(listed, bytes);
}

#[test]
fn seed_corpus_files_parse() {
    for (name, bytes) in seeds() {
        let m = Model::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        walk(m.as_bytes());
    }
}

/// Writes the fuzz seed corpus: `cargo test -p host-tests --test model_format -- --ignored`.
#[test]
#[ignore = "regenerates fuzz/corpus/model_parse/seed-*.fkm"]
fn write_fuzz_seed_corpus() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/model_parse");
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in seeds() {
        std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    }
}

#[test]
fn duplicate_metadata_key_is_rejected() {
    let mut w = ModelWriter::new("mlp").unwrap();
    w.meta_i64("ab", 1).unwrap().meta_i64("ac", 2).unwrap();
    let mut b = w.to_bytes().unwrap();
    assert_eq!(&b[128..130], b"ac");
    b[129] = b'b';
    fix_crc(&mut b);
    assert_eq!(reason(Model::parse(&b)), "duplicate metadata key");
}

#[test]
fn many_tensors_round_trip() {
    let mut w = ModelWriter::new("mlp").unwrap();
    for i in 0..300u32 {
        w.tensor_u32(&format!("layer{i}.index"), &[i as usize % 5], &vec![i; i as usize % 5]).unwrap();
    }
    let bytes = w.to_bytes().unwrap();
    let m = Model::parse(&bytes).unwrap();
    assert_eq!(m.tensor_count(), 300);
    let t = m.tensor("layer299.index").unwrap();
    assert_eq!((t.len(), t.get::<u32>(3)), (4, Some(299)));
    assert_eq!(m.tensors().filter(|t| t.is_empty()).count(), 60);
}
