//! Writing model files (feature `std`), and embedding them as Rust / C source.

use super::dtype::DType;
use super::layout::{self, header as h, ALIGN, HEADER_LEN, MAX_RANK, META_ENTRY_LEN, TENSOR_ENTRY_LEN};
use crate::error::{add_size, check_len, mul_size};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

enum OwnedMeta {
    Str(String),
    F64(f64),
    I64(i64),
}

struct PendingTensor {
    name: String,
    dtype: DType,
    shape: Vec<usize>,
    data: Vec<u8>,
}

/// Builds a model file in memory (feature `std`): a kind, metadata and named tensors, written in
/// insertion order by [`ModelWriter::to_bytes`] or [`ModelWriter::write_file`].
///
/// Every method validates its arguments at once (name/key lengths, duplicates, rank ≤ 4, shape
/// product = data length, finite floats), so a writer that accepted everything always produces a
/// file [`Model::parse`](super::Model::parse) accepts.
///
/// ```
/// use ferrokern::model::{Model, ModelWriter};
/// let mut w = ModelWriter::new("optim-state")?;
/// w.meta_f64("lr", 1e-3)?.meta_i64("step", 10)?;
/// w.tensor_bf16("layer0.weight.m", &[2, 2], &[0.1, -0.2, 0.3, 0.0])?;
/// w.tensor_u32("labels", &[3], &[0, 2, 1])?;
/// let bytes = w.to_bytes()?;
/// let m = Model::parse(&bytes)?;
/// assert_eq!(m.meta_f64("lr")?, 1e-3);
/// assert_eq!(m.tensor("labels")?.get::<u32>(1), Some(2));
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub struct ModelWriter {
    kind: String,
    meta: Vec<(String, OwnedMeta)>,
    tensors: Vec<PendingTensor>,
}

fn check_text(what: &'static str, text: &str, max: usize, too_long: &'static str) -> Result<()> {
    if text.is_empty() {
        return Err(Error::InvalidParameter { name: what, reason: "must not be empty" });
    }
    if text.len() > max {
        return Err(Error::InvalidParameter { name: what, reason: too_long });
    }
    if text.contains('\0') {
        return Err(Error::InvalidParameter { name: what, reason: "must not contain NUL" });
    }
    Ok(())
}

fn check_finite(what: &'static str, values: &[f32]) -> Result<()> {
    match values.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(index) => Err(Error::NonFinite { what, index }),
    }
}

fn u32_field(value: usize) -> Result<[u8; 4]> {
    u32::try_from(value).map(u32::to_le_bytes).map_err(|_| Error::SizeOverflow)
}

fn put_padded(out: &mut Vec<u8>, text: &str, width: usize) {
    out.extend_from_slice(text.as_bytes());
    out.resize(out.len() + width.saturating_sub(text.len()), 0);
}

fn align_up(offset: usize) -> Result<usize> {
    Ok(add_size(offset, ALIGN - 1)? / ALIGN * ALIGN)
}

impl ModelWriter {
    /// A writer for a model of `kind` (1..=16 bytes of UTF-8 without NUL).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an empty, too long or NUL-containing kind.
    pub fn new(kind: &str) -> Result<Self> {
        check_text("model kind", kind, layout::KIND_MAX, "longer than 16 bytes")?;
        Ok(Self { kind: kind.to_string(), meta: Vec::new(), tensors: Vec::new() })
    }

    fn push_meta(&mut self, key: &str, value: OwnedMeta) -> Result<&mut Self> {
        check_text("metadata key", key, layout::META_KEY_MAX, "longer than 24 bytes")?;
        if self.meta.iter().any(|(k, _)| k == key) {
            return Err(Error::InvalidParameter { name: "metadata key", reason: "duplicate" });
        }
        self.meta.push((key.to_string(), value));
        Ok(self)
    }

    /// Adds a string entry (key ≤ 24 bytes, value ≤ 32 bytes).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a bad or duplicate key or a too long value.
    pub fn meta_str(&mut self, key: &str, value: &str) -> Result<&mut Self> {
        if value.len() > layout::META_STR_MAX {
            return Err(Error::InvalidParameter { name: "metadata value", reason: "longer than 32 bytes" });
        }
        self.push_meta(key, OwnedMeta::Str(value.to_string()))
    }

    /// Adds a finite `f64` entry.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN/±inf; as [`ModelWriter::meta_str`] for the key.
    pub fn meta_f64(&mut self, key: &str, value: f64) -> Result<&mut Self> {
        if !value.is_finite() {
            return Err(Error::NonFinite { what: "metadata value", index: 0 });
        }
        self.push_meta(key, OwnedMeta::F64(value))
    }

    /// Adds an `i64` entry.
    ///
    /// # Errors
    /// As [`ModelWriter::meta_str`] for the key.
    pub fn meta_i64(&mut self, key: &str, value: i64) -> Result<&mut Self> {
        self.push_meta(key, OwnedMeta::I64(value))
    }

    /// Adds a tensor from raw little-endian element bytes (the other `tensor_*` methods encode
    /// and call this).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a bad or duplicate name or rank > 4;
    /// [`Error::DimensionMismatch`] if `bytes.len() != product(shape) · dtype.size()`;
    /// [`Error::SizeOverflow`] if a dimension exceeds `u32`.
    pub fn tensor_bytes(
        &mut self,
        name: &str,
        dtype: DType,
        shape: &[usize],
        bytes: &[u8],
    ) -> Result<&mut Self> {
        check_text("tensor name", name, layout::NAME_MAX, "longer than 32 bytes")?;
        if self.tensors.iter().any(|t| t.name == name) {
            return Err(Error::InvalidParameter { name: "tensor name", reason: "duplicate" });
        }
        if shape.len() > MAX_RANK {
            return Err(Error::InvalidParameter { name: "tensor shape", reason: "rank above 4" });
        }
        let mut elements = 1usize;
        for &d in shape {
            u32_field(d)?;
            elements = mul_size(elements, d)?;
        }
        check_len("tensor data", mul_size(elements, dtype.size())?, bytes.len())?;
        self.tensors.push(PendingTensor {
            name: name.to_string(),
            dtype,
            shape: shape.to_vec(),
            data: bytes.to_vec(),
        });
        Ok(self)
    }

    fn tensor_encoded<T: Copy, const N: usize>(
        &mut self,
        name: &str,
        dtype: DType,
        shape: &[usize],
        values: &[T],
        encode: impl Fn(T) -> [u8; N],
    ) -> Result<&mut Self> {
        let bytes: Vec<u8> = values.iter().flat_map(|&v| encode(v)).collect();
        self.tensor_bytes(name, dtype, shape, &bytes)
    }

    /// Adds an f32 tensor (`values` row-major, length = product of `shape`).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN/±inf values; as [`ModelWriter::tensor_bytes`].
    pub fn tensor_f32(&mut self, name: &str, shape: &[usize], values: &[f32]) -> Result<&mut Self> {
        check_finite("tensor values", values)?;
        self.tensor_encoded(name, DType::F32, shape, values, f32::to_le_bytes)
    }

    /// Adds an f16 tensor, rounding `values` to nearest f16 (`half::f16::from_f32`).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN/±inf values or values beyond f16's range (±65504);
    /// as [`ModelWriter::tensor_bytes`].
    pub fn tensor_f16(&mut self, name: &str, shape: &[usize], values: &[f32]) -> Result<&mut Self> {
        check_finite("tensor values", values)?;
        let halves: Vec<half::f16> = values.iter().map(|&x| half::f16::from_f32(x)).collect();
        if let Some(index) = halves.iter().position(|h| !h.is_finite()) {
            return Err(Error::NonFinite { what: "tensor values as f16", index });
        }
        self.tensor_encoded(name, DType::F16, shape, &halves, |h| h.to_le_bytes())
    }

    /// Adds a bf16 tensor, rounding `values` to nearest bf16 (`half::bf16::from_f32`).
    ///
    /// # Errors
    /// As [`ModelWriter::tensor_f16`] (bf16 overflows only beyond ≈ 3.39e38).
    pub fn tensor_bf16(&mut self, name: &str, shape: &[usize], values: &[f32]) -> Result<&mut Self> {
        check_finite("tensor values", values)?;
        let halves: Vec<half::bf16> = values.iter().map(|&x| half::bf16::from_f32(x)).collect();
        if let Some(index) = halves.iter().position(|h| !h.is_finite()) {
            return Err(Error::NonFinite { what: "tensor values as bf16", index });
        }
        self.tensor_encoded(name, DType::BF16, shape, &halves, |h| h.to_le_bytes())
    }

    /// Adds an i32 tensor.
    ///
    /// # Errors
    /// As [`ModelWriter::tensor_bytes`].
    pub fn tensor_i32(&mut self, name: &str, shape: &[usize], values: &[i32]) -> Result<&mut Self> {
        self.tensor_encoded(name, DType::I32, shape, values, i32::to_le_bytes)
    }

    /// Adds a u32 tensor (e.g. feature indices, labels).
    ///
    /// # Errors
    /// As [`ModelWriter::tensor_bytes`].
    pub fn tensor_u32(&mut self, name: &str, shape: &[usize], values: &[u32]) -> Result<&mut Self> {
        self.tensor_encoded(name, DType::U32, shape, values, u32::to_le_bytes)
    }

    /// Adds a u8 tensor.
    ///
    /// # Errors
    /// As [`ModelWriter::tensor_bytes`].
    pub fn tensor_u8(&mut self, name: &str, shape: &[usize], values: &[u8]) -> Result<&mut Self> {
        self.tensor_bytes(name, DType::U8, shape, values)
    }

    /// The complete file: header, metadata table, tensor table, each tensor's data at the next
    /// 16-byte boundary (zero padding), CRC-32. Cost: O(file length).
    ///
    /// # Errors
    /// [`Error::SizeOverflow`] if the file would exceed 4 GiB (offsets are `u32`).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let meta_offset = HEADER_LEN;
        let table_offset = add_size(meta_offset, mul_size(self.meta.len(), META_ENTRY_LEN)?)?;
        let mut cursor = add_size(table_offset, mul_size(self.tensors.len(), TENSOR_ENTRY_LEN)?)?;
        let mut data_offsets = Vec::with_capacity(self.tensors.len());
        for t in &self.tensors {
            cursor = align_up(cursor)?;
            data_offsets.push(cursor);
            cursor = add_size(cursor, t.data.len())?;
        }
        let body_len = cursor;
        let file_len = add_size(body_len, layout::CRC_LEN)?;

        let mut out = Vec::with_capacity(file_len);
        out.extend_from_slice(&layout::MAGIC);
        out.extend_from_slice(&layout::FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&u16::try_from(HEADER_LEN).map_err(|_| Error::SizeOverflow)?.to_le_bytes());
        out.extend_from_slice(&u32_field(file_len)?);
        out.extend_from_slice(&0u32.to_le_bytes()); // flags
        put_padded(&mut out, &self.kind, layout::KIND_MAX);
        for field in [self.meta.len(), meta_offset, self.tensors.len(), table_offset] {
            out.extend_from_slice(&u32_field(field)?);
        }
        out.resize(h::RESERVED + h::RESERVED_LEN, 0);

        for (key, value) in &self.meta {
            put_padded(&mut out, key, layout::META_KEY_MAX);
            let (code, payload): (u8, Vec<u8>) = match value {
                OwnedMeta::Str(s) => (layout::meta::TYPE_STR, s.as_bytes().to_vec()),
                OwnedMeta::F64(x) => (layout::meta::TYPE_F64, x.to_le_bytes().to_vec()),
                OwnedMeta::I64(x) => (layout::meta::TYPE_I64, x.to_le_bytes().to_vec()),
            };
            out.push(code);
            out.push(u8::try_from(payload.len()).map_err(|_| Error::SizeOverflow)?);
            out.resize(out.len() + layout::meta::RESERVED_LEN, 0);
            out.extend_from_slice(&payload);
            out.resize(out.len() + layout::meta::VALUE_WIDTH.saturating_sub(payload.len()), 0);
        }

        for (t, &offset) in self.tensors.iter().zip(&data_offsets) {
            put_padded(&mut out, &t.name, layout::NAME_MAX);
            out.push(t.dtype.code());
            out.push(u8::try_from(t.shape.len()).map_err(|_| Error::SizeOverflow)?);
            out.extend_from_slice(&[0, 0]);
            for i in 0..MAX_RANK {
                out.extend_from_slice(&u32_field(t.shape.get(i).copied().unwrap_or(0))?);
            }
            out.extend_from_slice(&u32_field(offset)?);
            out.extend_from_slice(&u32_field(t.data.len())?);
            out.extend_from_slice(&[0; 4]);
        }

        for (t, &offset) in self.tensors.iter().zip(&data_offsets) {
            out.resize(offset, 0);
            out.extend_from_slice(&t.data);
        }
        check_len("model body", body_len, out.len())?;
        let crc = layout::crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Writes the file to `path` atomically: to `path` + `".tmp"` first, synced, then renamed,
    /// so readers never see a partial file.
    ///
    /// # Errors
    /// I/O errors; errors of [`ModelWriter::to_bytes`] as `InvalidData`.
    pub fn write_file(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        use std::io::Write as _;
        let path = path.as_ref();
        let bytes = self.to_bytes().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let mut tmp_name = path.as_os_str().to_os_string();
        tmp_name.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp_name);
        let result = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        });
        match result.and_then(|()| std::fs::rename(&tmp, path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                // Best effort: do not leave the temporary file behind; the original error matters.
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// Rust and C keywords: not usable as a `static` name, so [`sanitize_ident`] appends `_`.
const KEYWORDS: [&str; 80] = [
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "auto",
    "case",
    "char",
    "default",
    "double",
    "float",
    "goto",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "short",
    "signed",
    "sizeof",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "bool",
    "alignas",
    "alignof",
    "nullptr",
    "static_assert",
    "thread_local",
    "constexpr",
];

/// `ident` with every character outside `[A-Za-z0-9_]` replaced by `_`, a leading `_` if it
/// would start with a digit or be empty, and a trailing `_` if it is then `_` alone (reserved
/// in Rust) or a Rust/C keyword: always a valid identifier in both languages.
fn sanitize_ident(ident: &str) -> String {
    let mut out: String =
        ident.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if out == "_" || KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Hex byte list, 16 per line, each line indented by 4 spaces.
fn hex_lines(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().saturating_mul(6));
    for line in bytes.chunks(16) {
        out.push_str("    ");
        for b in line {
            let _ = write!(out, "0x{b:02x}, ");
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    out
}

/// Rust source declaring `pub static <ident>: &[u8]` holding `bytes` 16-byte aligned (so tensor
/// data offsets, multiples of 16 from the file start, are aligned in memory too). Use it with
/// `Model::parse(<ident>)`. `ident` is sanitised to a Rust identifier (non-`[A-Za-z0-9_]` → `_`).
///
/// ```
/// let src = ferrokern::model::to_rust_source(&[1, 2, 3], "MODEL");
/// assert!(src.contains("pub static MODEL: &[u8] = "));
/// assert!(src.contains("align(16)"));
/// ```
#[must_use]
pub fn to_rust_source(bytes: &[u8], ident: &str) -> String {
    let ident = sanitize_ident(ident);
    let n = bytes.len();
    format!(
        "// Generated by ferrokern: a model file (.fkm), {n} bytes, 16-byte aligned.\n\
         pub static {ident}: &[u8] = {{\n\
         \x20   #[repr(C, align(16))]\n\
         \x20   struct Aligned<T: ?Sized>(T);\n\
         \x20   static ALIGNED: &Aligned<[u8; {n}]> = &Aligned([\n{hex}\x20   ]);\n\
         \x20   &ALIGNED.0\n\
         }};\n",
        hex = hex_lines(bytes).lines().map(|l| format!("    {l}\n")).collect::<String>(),
    )
}

/// C source defining `const unsigned char <ident>[N]` (16-byte aligned, GCC/Clang attribute)
/// and `const unsigned long <ident>_len = N`. `ident` is sanitised as in [`to_rust_source`].
///
/// ```
/// let src = ferrokern::model::to_c_source(&[1, 2, 3], "model");
/// assert!(src.contains("__attribute__((aligned(16))) const unsigned char model[3] = {"));
/// assert!(src.contains("const unsigned long model_len = 3;"));
/// ```
#[must_use]
pub fn to_c_source(bytes: &[u8], ident: &str) -> String {
    let ident = sanitize_ident(ident);
    let n = bytes.len();
    format!(
        "/* Generated by ferrokern: a model file (.fkm), {n} bytes, 16-byte aligned. */\n\
         __attribute__((aligned(16))) const unsigned char {ident}[{n}] = {{\n{hex}}};\n\
         const unsigned long {ident}_len = {n};\n",
        hex = hex_lines(bytes),
    )
}
