//! The ferrokern model file format (`.fkm`): a versioned, little-endian container of named
//! tensors (f32 / f16 / bf16 / i32 / u32 / u8, rank ≤ 4) plus a model kind and small metadata,
//! closed by a CRC-32. Byte layout, versioning and naming conventions: `docs/model-format.md`.
//!
//! * [`Model::parse`] validates a whole file up front (`no_std`, no allocation, zero-copy: the
//!   model borrows the byte slice, e.g. an `include_bytes!` array, and decodes on access).
//! * `ModelWriter` (feature `std`) writes files; `to_rust_source` / `to_c_source` embed a
//!   file as a 16-byte-aligned static array.
//!
//! Malformed input of any kind (truncated, corrupted, wrong version, bad shape, misaligned or
//! out-of-bounds offsets) gives [`Error::Model`] with a fixed reason and the byte offset of the
//! offending field; parsing never panics and never reads out of bounds.
//!
//! Accuracy: f32, i32, u32 and u8 tensors round-trip bit for bit; f16/bf16 tensors are
//! widened exactly to f32 (and written with round-to-nearest-even).

mod dtype;
mod layout;
mod meta;
mod tensor;
#[cfg(feature = "std")]
mod writer;

pub use dtype::DType;
pub use layout::{
    crc32, ALIGN, CRC_LEN, FORMAT_VERSION, HEADER_LEN, KIND_MAX, MAGIC, MAX_RANK, META_ENTRY_LEN,
    META_KEY_MAX, META_STR_MAX, NAME_MAX, TENSOR_ENTRY_LEN,
};
pub use meta::MetaValue;
pub use tensor::{Element, Tensor, Values};
#[cfg(feature = "std")]
pub use writer::{to_c_source, to_rust_source, ModelWriter};

use crate::{Error, Result};
use layout::{bad, header as h, read_padded_str, read_u16, read_u32, read_usize, StrField};

/// A validated model file borrowed from its bytes.
///
/// Construct with [`Model::parse`]; all accessors then only re-read fields that were already
/// checked, so they cannot fail on the file's account.
#[derive(Clone, Copy)]
pub struct Model<'a> {
    bytes: &'a [u8],
    kind: &'a str,
    meta_offset: usize,
    meta_count: usize,
    table_offset: usize,
    tensor_count: usize,
}

impl core::fmt::Debug for Model<'_> {
    /// Kind, counts and file length (not the bytes).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Model")
            .field("kind", &self.kind)
            .field("file_len", &self.bytes.len())
            .field("meta_count", &self.meta_count)
            .field("tensor_count", &self.tensor_count)
            .finish_non_exhaustive()
    }
}

/// Checks that a table of `count` entries of `entry_len` bytes at `offset` is 16-byte aligned
/// and lies within `[floor, body_end)`; returns its end.
fn check_table(
    offset: usize,
    count: usize,
    entry_len: usize,
    floor: usize,
    body_end: usize,
    field_at: usize,
    reasons: [&'static str; 3],
) -> Result<usize> {
    let [misaligned, overlaps, out_of_bounds] = reasons;
    if !offset.is_multiple_of(layout::ALIGN) {
        return Err(bad(misaligned, field_at));
    }
    if offset < floor {
        return Err(bad(overlaps, field_at));
    }
    count
        .checked_mul(entry_len)
        .and_then(|len| offset.checked_add(len))
        .filter(|&end| end <= body_end)
        .ok_or(bad(out_of_bounds, field_at))
}

impl<'a> Model<'a> {
    /// Parses and fully validates a model file.
    ///
    /// Checks, in this order: header length, magic, version, header size, declared file length
    /// against `bytes.len()` (shorter → truncated, longer → trailing bytes), flags and reserved
    /// bytes, the kind string, both tables' alignment and bounds, every metadata entry (key,
    /// type, value, padding; no duplicate keys), every tensor entry (name, dtype code, rank ≤ 4,
    /// shape product × element size = byte length, data offset 16-byte aligned, data in bounds,
    /// after the tables and after the previous tensor's data; no duplicate names), and finally
    /// the CRC-32 of everything before the last 4 bytes. Offset arithmetic is checked, so it is
    /// correct with a 32-bit `usize`.
    ///
    /// Cost: O(file length) for the CRC plus O(tensors² + metadata²) name comparisons; no
    /// allocation, no copy.
    ///
    /// # Errors
    /// [`Error::Model`] with a fixed `reason` (listed in `docs/model-format.md`) and the byte
    /// offset of the offending field; [`Error::SizeOverflow`] only where `usize` < 32 bits.
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use ferrokern::model::{DType, Model, ModelWriter};
    ///
    /// let mut writer = ModelWriter::new("mlp")?;
    /// writer.meta_str("activation", "relu")?.meta_i64("hidden", 2)?;
    /// writer.tensor_f32("layer0.weight", &[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?;
    /// writer.tensor_f16("layer0.bias", &[2], &[0.5, -0.25])?;
    /// let bytes = writer.to_bytes()?;
    ///
    /// let model = Model::parse(&bytes)?;
    /// assert_eq!(model.kind(), "mlp");
    /// assert_eq!(model.meta_str("activation")?, "relu");
    /// assert_eq!(model.meta_i64("hidden")?, 2);
    ///
    /// let w = model.tensor("layer0.weight")?;
    /// w.expect_shape(&[2, 3])?;
    /// assert_eq!(w.get_f32(4), Some(5.0));
    /// let mut bias = [0.0f32; 2];
    /// model.tensor("layer0.bias")?.to_f32(&mut bias)?;
    /// assert_eq!(bias, [0.5, -0.25]);
    /// assert_eq!(model.tensor("layer0.bias")?.dtype(), DType::F16);
    ///
    /// // One flipped bit anywhere is an error, never a panic.
    /// let mut bad = bytes.clone();
    /// bad[100] ^= 4;
    /// assert!(Model::parse(&bad).is_err());
    /// assert!(Model::parse(&bytes[..bytes.len() - 1]).is_err());
    /// # }
    /// # Ok::<(), ferrokern::Error>(())
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < layout::HEADER_LEN {
            return Err(bad("truncated header", bytes.len()));
        }
        if bytes.get(..4) != Some(&layout::MAGIC[..]) {
            return Err(bad("bad magic", 0));
        }
        if read_u16(bytes, h::VERSION, "truncated header")? != layout::FORMAT_VERSION {
            return Err(bad("unsupported version", h::VERSION));
        }
        if usize::from(read_u16(bytes, h::HEADER_LEN, "truncated header")?) != layout::HEADER_LEN {
            return Err(bad("unsupported header length", h::HEADER_LEN));
        }
        let file_len = read_usize(bytes, h::FILE_LEN, "truncated header")?;
        if file_len < layout::HEADER_LEN + layout::CRC_LEN {
            return Err(bad("file length field too small", h::FILE_LEN));
        }
        if bytes.len() < file_len {
            return Err(bad("truncated file", bytes.len()));
        }
        if bytes.len() > file_len {
            return Err(bad("trailing bytes after checksum", file_len));
        }
        let body_end = file_len - layout::CRC_LEN;
        if read_u32(bytes, h::FLAGS, "truncated header")? != 0 {
            return Err(bad("unsupported flags", h::FLAGS));
        }
        layout::check_zero(bytes, h::RESERVED, h::RESERVED_LEN, "reserved header bytes not zero")?;
        let kind = read_padded_str(bytes, h::KIND, layout::KIND_MAX, StrField::Kind)?;

        let meta_count = read_usize(bytes, h::META_COUNT, "truncated header")?;
        let meta_offset = read_usize(bytes, h::META_OFFSET, "truncated header")?;
        let tensor_count = read_usize(bytes, h::TENSOR_COUNT, "truncated header")?;
        let table_offset = read_usize(bytes, h::TABLE_OFFSET, "truncated header")?;
        let meta_end = check_table(
            meta_offset,
            meta_count,
            layout::META_ENTRY_LEN,
            layout::HEADER_LEN,
            body_end,
            h::META_OFFSET,
            ["misaligned metadata table", "metadata table overlaps header", "metadata table out of bounds"],
        )?;
        let table_end = check_table(
            table_offset,
            tensor_count,
            layout::TENSOR_ENTRY_LEN,
            meta_end,
            body_end,
            h::TABLE_OFFSET,
            ["misaligned tensor table", "tensor table overlaps metadata", "tensor table out of bounds"],
        )?;
        let model = Self { bytes, kind, meta_offset, meta_count, table_offset, tensor_count };

        for i in 0..meta_count {
            let entry = model.meta_entry_offset(i);
            meta::decode(bytes, entry)?;
            if (0..i).any(|j| {
                model.same_field(entry, model.meta_entry_offset(j), layout::meta::KEY, layout::META_KEY_MAX)
            }) {
                return Err(bad("duplicate metadata key", entry));
            }
        }
        let mut data_floor = table_end;
        for i in 0..tensor_count {
            let entry = model.tensor_entry_offset(i);
            let t = Tensor::decode(bytes, entry, body_end)?;
            if t.data_offset() < data_floor {
                return Err(bad("tensor data overlaps table or previous tensor", entry));
            }
            // In bounds: `decode` checked data_offset + byte length <= body_end.
            data_floor = t.data_offset().saturating_add(t.bytes().len());
            if (0..i).any(|j| {
                model.same_field(entry, model.tensor_entry_offset(j), layout::tensor::NAME, layout::NAME_MAX)
            }) {
                return Err(bad("duplicate tensor name", entry));
            }
        }

        let body = bytes.get(..body_end).ok_or(bad("truncated file", body_end))?;
        if read_u32(bytes, body_end, "truncated file")? != layout::crc32(body) {
            return Err(bad("checksum mismatch", body_end));
        }
        Ok(model)
    }

    /// Whether the `width`-byte fields at `field` within the entries at `a` and `b` are equal.
    /// Padding is canonical (all NUL after the text), so equal names ⇔ equal raw fields.
    fn same_field(&self, a: usize, b: usize, field: usize, width: usize) -> bool {
        let read = |entry: usize| layout::field(self.bytes, entry.saturating_add(field), width, "").ok();
        matches!((read(a), read(b)), (Some(x), Some(y)) if x == y)
    }

    fn meta_entry_offset(&self, index: usize) -> usize {
        // index < meta_count, and parse checked meta_offset + meta_count·64 <= file length.
        self.meta_offset.saturating_add(index.saturating_mul(layout::META_ENTRY_LEN))
    }

    fn tensor_entry_offset(&self, index: usize) -> usize {
        self.table_offset.saturating_add(index.saturating_mul(layout::TENSOR_ENTRY_LEN))
    }

    /// The whole file, as given to [`Model::parse`].
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The model kind (e.g. `"mlp"`, `"gbnn"`, `"denoiser"`, `"optim-state"`).
    #[must_use]
    pub fn kind(&self) -> &'a str {
        self.kind
    }

    /// Number of tensors.
    #[must_use]
    pub fn tensor_count(&self) -> usize {
        self.tensor_count
    }

    /// Number of metadata entries.
    #[must_use]
    pub fn meta_count(&self) -> usize {
        self.meta_count
    }

    /// Tensor number `index` in file order.
    ///
    /// # Errors
    /// [`Error::Model`] `"tensor index out of range"` if `index >= tensor_count()`.
    pub fn tensor_at(&self, index: usize) -> Result<Tensor<'a>> {
        if index >= self.tensor_count {
            return Err(bad("tensor index out of range", self.table_offset));
        }
        let body_end = self.bytes.len().saturating_sub(layout::CRC_LEN);
        Tensor::decode(self.bytes, self.tensor_entry_offset(index), body_end)
    }

    /// The tensor called `name`, or `None`. Cost: O(tensors) name comparisons.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<Tensor<'a>> {
        self.tensors().find(|t| t.name() == name)
    }

    /// The tensor called `name`.
    ///
    /// # Errors
    /// [`Error::Model`] `"tensor not found"` (offset: the tensor table) if there is none.
    pub fn tensor(&self, name: &str) -> Result<Tensor<'a>> {
        self.find(name).ok_or(bad("tensor not found", self.table_offset))
    }

    /// Reads tensor `name`, checking its shape, into `out` as `f32`: the usual way a kernel
    /// loads its parameters. Cost: O(tensors + elements).
    ///
    /// # Errors
    /// As [`Model::tensor`], [`Tensor::expect_shape`] and [`Tensor::to_f32`].
    pub fn read_f32(&self, name: &str, shape: &[usize], out: &mut [f32]) -> Result<()> {
        let t = self.tensor(name)?;
        t.expect_shape(shape)?;
        t.to_f32(out)
    }

    /// All tensors in file order.
    #[must_use]
    pub fn tensors(&self) -> Tensors<'a> {
        Tensors { model: *self, next: 0 }
    }

    /// All metadata `(key, value)` pairs in file order.
    #[must_use]
    pub fn metas(&self) -> Metas<'a> {
        Metas { model: *self, next: 0 }
    }

    /// The metadata value for `key`, or `None`. Cost: O(metadata entries).
    #[must_use]
    pub fn meta(&self, key: &str) -> Option<MetaValue<'a>> {
        self.metas().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn meta_typed<T>(&self, key: &str, pick: impl Fn(MetaValue<'a>) -> Option<T>) -> Result<T> {
        let value = self.meta(key).ok_or(bad("metadata key not found", self.meta_offset))?;
        pick(value).ok_or(bad("metadata value has another type", self.meta_offset))
    }

    /// The string value for `key`.
    ///
    /// # Errors
    /// [`Error::Model`] `"metadata key not found"` or `"metadata value has another type"`.
    pub fn meta_str(&self, key: &str) -> Result<&'a str> {
        self.meta_typed(key, |v| if let MetaValue::Str(s) = v { Some(s) } else { None })
    }

    /// The `f64` value for `key` (an `i64` value is not converted).
    ///
    /// # Errors
    /// As [`Model::meta_str`].
    pub fn meta_f64(&self, key: &str) -> Result<f64> {
        self.meta_typed(key, |v| if let MetaValue::F64(x) = v { Some(x) } else { None })
    }

    /// The `i64` value for `key`.
    ///
    /// # Errors
    /// As [`Model::meta_str`].
    pub fn meta_i64(&self, key: &str) -> Result<i64> {
        self.meta_typed(key, |v| if let MetaValue::I64(x) = v { Some(x) } else { None })
    }

    /// The `i64` value for `key` as a `usize` (e.g. a layer width).
    ///
    /// # Errors
    /// As [`Model::meta_str`]; [`Error::InvalidParameter`] if negative or too large for `usize`.
    pub fn meta_usize(&self, key: &str) -> Result<usize> {
        usize::try_from(self.meta_i64(key)?)
            .map_err(|_| Error::InvalidParameter { name: "metadata value", reason: "must fit usize" })
    }
}

/// Iterator over a model's tensors (see [`Model::tensors`]).
#[derive(Clone, Debug)]
pub struct Tensors<'a> {
    model: Model<'a>,
    next: usize,
}

impl<'a> Iterator for Tensors<'a> {
    type Item = Tensor<'a>;
    fn next(&mut self) -> Option<Tensor<'a>> {
        let t = self.model.tensor_at(self.next).ok()?;
        self.next = self.next.saturating_add(1);
        Some(t)
    }
}

/// Iterator over a model's metadata (see [`Model::metas`]).
#[derive(Clone, Debug)]
pub struct Metas<'a> {
    model: Model<'a>,
    next: usize,
}

impl<'a> Iterator for Metas<'a> {
    type Item = (&'a str, MetaValue<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.model.meta_count {
            return None;
        }
        let item = meta::decode(self.model.bytes, self.model.meta_entry_offset(self.next)).ok()?;
        self.next = self.next.saturating_add(1);
        Some(item)
    }
}
