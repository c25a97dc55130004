//! Byte layout of format version 1 (the table in `docs/model-format.md`) and the checked
//! little-endian field readers shared by the parser and the writer.

use crate::{Error, Result};

/// File magic, bytes 0..4.
pub const MAGIC: [u8; 4] = *b"FKM\0";
/// The format version this crate reads and writes.
pub const FORMAT_VERSION: u16 = 1;
/// Length of the fixed header in bytes.
pub const HEADER_LEN: usize = 64;
/// Length of one metadata entry in bytes.
pub const META_ENTRY_LEN: usize = 64;
/// Length of one tensor-table entry in bytes.
pub const TENSOR_ENTRY_LEN: usize = 64;
/// Alignment (from the start of the file) of both tables and of every tensor's data.
pub const ALIGN: usize = 16;
/// Length of the trailing CRC-32.
pub const CRC_LEN: usize = 4;
/// Maximum length in bytes of the model kind (UTF-8).
pub const KIND_MAX: usize = 16;
/// Maximum length in bytes of a metadata key (UTF-8).
pub const META_KEY_MAX: usize = 24;
/// Maximum length in bytes of a metadata string value (UTF-8).
pub const META_STR_MAX: usize = 32;
/// Maximum length in bytes of a tensor name (UTF-8).
pub const NAME_MAX: usize = 32;
/// Maximum tensor rank.
pub const MAX_RANK: usize = 4;

/// Header field offsets.
pub(crate) mod header {
    pub const VERSION: usize = 4;
    pub const HEADER_LEN: usize = 6;
    pub const FILE_LEN: usize = 8;
    pub const FLAGS: usize = 12;
    pub const KIND: usize = 16;
    pub const META_COUNT: usize = 32;
    pub const META_OFFSET: usize = 36;
    pub const TENSOR_COUNT: usize = 40;
    pub const TABLE_OFFSET: usize = 44;
    pub const RESERVED: usize = 48;
    pub const RESERVED_LEN: usize = 16;
}

/// Metadata entry field offsets (relative to the entry).
pub(crate) mod meta {
    pub const KEY: usize = 0;
    pub const TYPE: usize = 24;
    pub const VALUE_LEN: usize = 25;
    pub const RESERVED: usize = 26;
    pub const RESERVED_LEN: usize = 6;
    pub const VALUE: usize = 32;
    pub const VALUE_WIDTH: usize = 32;
    pub const TYPE_STR: u8 = 1;
    pub const TYPE_F64: u8 = 2;
    pub const TYPE_I64: u8 = 3;
}

/// Tensor entry field offsets (relative to the entry).
pub(crate) mod tensor {
    pub const NAME: usize = 0;
    pub const DTYPE: usize = 32;
    pub const RANK: usize = 33;
    pub const RESERVED0: usize = 34;
    pub const DIMS: usize = 36;
    pub const DATA_OFFSET: usize = 52;
    pub const DATA_LEN: usize = 56;
    pub const RESERVED1: usize = 60;
}

/// The CRC-32 used by the format (IEEE 802.3 / zlib / PNG: `CRC_32_ISO_HDLC`).
pub(crate) const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32 (IEEE, as in zlib/PNG) of `bytes`: the checksum stored in a model file's last 4 bytes
/// over everything before them. Cost: one table lookup per byte.
#[must_use]
pub fn crc32(bytes: &[u8]) -> u32 {
    CRC32.checksum(bytes)
}

/// A [`Error::Model`].
#[inline]
pub(crate) const fn bad(reason: &'static str, offset: usize) -> Error {
    Error::Model { reason, offset }
}

/// `bytes[at .. at + len]`, or `Err(Model { reason, offset: at })` when out of range.
pub(crate) fn field<'a>(bytes: &'a [u8], at: usize, len: usize, reason: &'static str) -> Result<&'a [u8]> {
    let end = at.checked_add(len).ok_or(bad(reason, at))?;
    bytes.get(at..end).ok_or(bad(reason, at))
}

/// Fixed-size array at `at`.
fn array<const N: usize>(bytes: &[u8], at: usize, reason: &'static str) -> Result<[u8; N]> {
    <[u8; N]>::try_from(field(bytes, at, N, reason)?).map_err(|_| bad(reason, at))
}

pub(crate) fn read_u8(bytes: &[u8], at: usize, reason: &'static str) -> Result<u8> {
    bytes.get(at).copied().ok_or(bad(reason, at))
}

pub(crate) fn read_u16(bytes: &[u8], at: usize, reason: &'static str) -> Result<u16> {
    array(bytes, at, reason).map(u16::from_le_bytes)
}

pub(crate) fn read_u32(bytes: &[u8], at: usize, reason: &'static str) -> Result<u32> {
    array(bytes, at, reason).map(u32::from_le_bytes)
}

/// A `u32` size/offset field as `usize` (fails only where `usize` is narrower than 32 bits).
pub(crate) fn read_usize(bytes: &[u8], at: usize, reason: &'static str) -> Result<usize> {
    usize::try_from(read_u32(bytes, at, reason)?).map_err(|_| Error::SizeOverflow)
}

pub(crate) fn read_u64(bytes: &[u8], at: usize, reason: &'static str) -> Result<u64> {
    array(bytes, at, reason).map(u64::from_le_bytes)
}

/// Checks that `bytes[at .. at + len]` is all zero.
pub(crate) fn check_zero(bytes: &[u8], at: usize, len: usize, reason: &'static str) -> Result<()> {
    let region = field(bytes, at, len, reason)?;
    match region.iter().position(|&b| b != 0) {
        None => Ok(()),
        Some(i) => Err(bad(reason, at.saturating_add(i))),
    }
}

/// Which fixed-width string field is decoded (selects the error reasons).
#[derive(Clone, Copy)]
pub(crate) enum StrField {
    Kind,
    MetaKey,
    TensorName,
}

impl StrField {
    const fn reasons(self) -> (&'static str, &'static str, &'static str) {
        match self {
            StrField::Kind => ("empty model kind", "model kind padding not zero", "model kind not UTF-8"),
            StrField::MetaKey => {
                ("empty metadata key", "metadata key padding not zero", "metadata key not UTF-8")
            }
            StrField::TensorName => {
                ("empty tensor name", "tensor name padding not zero", "tensor name not UTF-8")
            }
        }
    }
}

/// Decodes a NUL-padded UTF-8 field of `width` bytes at `at`: the text ends at the first NUL,
/// every byte after it must be NUL, and the text must be non-empty.
pub(crate) fn read_padded_str(bytes: &[u8], at: usize, width: usize, which: StrField) -> Result<&str> {
    let (empty, padding, utf8) = which.reasons();
    let raw = field(bytes, at, width, empty)?;
    let len = raw.iter().position(|&b| b == 0).unwrap_or(width);
    let (text, pad) = raw.split_at_checked(len).ok_or(bad(empty, at))?;
    if text.is_empty() {
        return Err(bad(empty, at));
    }
    if let Some(i) = pad.iter().position(|&b| b != 0) {
        return Err(bad(padding, at.saturating_add(len).saturating_add(i)));
    }
    core::str::from_utf8(text).map_err(|e| bad(utf8, at.saturating_add(e.valid_up_to())))
}
