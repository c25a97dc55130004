//! Metadata entries: short key → string / f64 / i64 values.

use super::layout::{self, bad, read_padded_str, read_u64, read_u8, StrField, META_KEY_MAX, META_STR_MAX};
use crate::Result;

/// A metadata value borrowed from a parsed model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetaValue<'a> {
    /// UTF-8 string of at most 32 bytes.
    Str(&'a str),
    /// Finite `f64`.
    F64(f64),
    /// `i64`.
    I64(i64),
}

/// Decodes and validates the metadata entry at `entry`: `(key, value)`. Every check of a
/// metadata entry lives here.
pub(crate) fn decode(file: &[u8], entry: usize) -> Result<(&str, MetaValue<'_>)> {
    use layout::meta as f;
    let at = |off: usize| entry.saturating_add(off);
    let key = read_padded_str(file, at(f::KEY), META_KEY_MAX, StrField::MetaKey)?;
    let kind = read_u8(file, at(f::TYPE), "truncated metadata table")?;
    let value_len = usize::from(read_u8(file, at(f::VALUE_LEN), "truncated metadata table")?);
    layout::check_zero(file, at(f::RESERVED), f::RESERVED_LEN, "reserved metadata bytes not zero")?;
    let value_at = at(f::VALUE);
    let value = match kind {
        f::TYPE_STR => {
            if value_len > META_STR_MAX {
                return Err(bad("metadata string longer than 32 bytes", at(f::VALUE_LEN)));
            }
            let text = layout::field(file, value_at, value_len, "truncated metadata table")?;
            let text = core::str::from_utf8(text)
                .map_err(|e| bad("metadata string not UTF-8", value_at.saturating_add(e.valid_up_to())))?;
            MetaValue::Str(text)
        }
        f::TYPE_F64 | f::TYPE_I64 => {
            if value_len != 8 {
                return Err(bad("metadata number length not 8", at(f::VALUE_LEN)));
            }
            let bits = read_u64(file, value_at, "truncated metadata table")?;
            if kind == f::TYPE_I64 {
                MetaValue::I64(i64::from_le_bytes(bits.to_le_bytes()))
            } else {
                let x = f64::from_bits(bits);
                if !x.is_finite() {
                    return Err(bad("non-finite metadata value", value_at));
                }
                MetaValue::F64(x)
            }
        }
        _ => return Err(bad("unknown metadata value type", at(f::TYPE))),
    };
    let pad_at = value_at.saturating_add(value_len);
    let pad_len = f::VALUE_WIDTH.saturating_sub(value_len);
    layout::check_zero(file, pad_at, pad_len, "metadata value padding not zero")?;
    Ok((key, value))
}
