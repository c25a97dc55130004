//! A tensor borrowed from a parsed model, and element decoding.

use super::dtype::DType;
use super::layout::{self, bad, read_padded_str, read_u8, read_usize, StrField, ALIGN, MAX_RANK, NAME_MAX};
use crate::error::check_len;
use crate::Result;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::slice::ChunksExact;

/// One tensor of a parsed [`Model`](super::Model): name, type, shape and its bytes, borrowed from
/// the model's byte slice. Elements are decoded on access (no copy, no `unsafe` cast), so the
/// storage need not be aligned in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tensor<'a> {
    name: &'a str,
    dtype: DType,
    rank: usize,
    dims: [usize; MAX_RANK],
    len: usize,
    data: &'a [u8],
    entry_offset: usize,
    data_offset: usize,
}

impl<'a> Tensor<'a> {
    /// Decodes and validates the tensor-table entry at `entry` of `file`, whose data must end by
    /// `body_end` (the CRC's offset). Every check of a tensor entry lives here.
    pub(crate) fn decode(file: &'a [u8], entry: usize, body_end: usize) -> Result<Self> {
        use layout::tensor as f;
        let at = |off: usize| entry.saturating_add(off);
        let name = read_padded_str(file, at(f::NAME), NAME_MAX, StrField::TensorName)?;
        let code = read_u8(file, at(f::DTYPE), "truncated tensor table")?;
        let dtype = DType::from_code(code).ok_or(bad("unknown tensor dtype", at(f::DTYPE)))?;
        let rank = usize::from(read_u8(file, at(f::RANK), "truncated tensor table")?);
        if rank > MAX_RANK {
            return Err(bad("tensor rank above 4", at(f::RANK)));
        }
        layout::check_zero(file, at(f::RESERVED0), 2, "reserved tensor entry bytes not zero")?;
        layout::check_zero(file, at(f::RESERVED1), 4, "reserved tensor entry bytes not zero")?;
        let mut dims = [0usize; MAX_RANK];
        let mut len: usize = 1;
        for (i, dim) in dims.iter_mut().enumerate() {
            let dim_at = at(f::DIMS).saturating_add(4 * i);
            let d = read_usize(file, dim_at, "truncated tensor table")?;
            if i < rank {
                *dim = d;
                len = len.checked_mul(d).ok_or(bad("tensor element count overflows", dim_at))?;
            } else if d != 0 {
                return Err(bad("dimension beyond rank not zero", dim_at));
            }
        }
        let data_offset = read_usize(file, at(f::DATA_OFFSET), "truncated tensor table")?;
        let byte_len = read_usize(file, at(f::DATA_LEN), "truncated tensor table")?;
        let expected =
            len.checked_mul(dtype.size()).ok_or(bad("tensor element count overflows", at(f::DIMS)))?;
        if expected != byte_len {
            return Err(bad("shape does not match data length", at(f::DATA_LEN)));
        }
        if !data_offset.is_multiple_of(ALIGN) {
            return Err(bad("misaligned tensor data", at(f::DATA_OFFSET)));
        }
        let data_end = data_offset.checked_add(byte_len).filter(|&end| end <= body_end);
        let data = data_end
            .and_then(|end| file.get(data_offset..end))
            .ok_or(bad("tensor data out of bounds", at(f::DATA_OFFSET)))?;
        Ok(Self { name, dtype, rank, dims, len, data, entry_offset: entry, data_offset })
    }

    /// The tensor's name.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The element type.
    #[must_use]
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The shape, row-major (`rank ≤ 4`; an empty shape is a scalar with one element).
    #[must_use]
    pub fn shape(&self) -> &[usize] {
        self.dims.get(..self.rank).unwrap_or(&[])
    }

    /// Number of elements (product of the shape).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the tensor has no elements (some dimension is 0).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The raw little-endian element bytes, `len() · dtype().size()` long.
    #[must_use]
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }

    /// Byte offset of the data from the start of the file (a multiple of 16).
    #[must_use]
    pub fn data_offset(&self) -> usize {
        self.data_offset
    }

    /// Checks the shape.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`](crate::Error::DimensionMismatch) with `what = "tensor rank"` when the ranks differ, else with
    /// `what = "tensor dimension"` and the first differing dimension.
    pub fn expect_shape(&self, shape: &[usize]) -> Result<()> {
        check_len("tensor rank", shape.len(), self.rank)?;
        self.shape()
            .iter()
            .zip(shape)
            .try_for_each(|(&found, &expected)| check_len("tensor dimension", expected, found))
    }

    /// Iterator over the elements decoded as `T` (`f32` from f32/f16/bf16; `u32` from u32/u8;
    /// `i32` from i32/u8). Cost: O(1); each element is decoded when reached.
    ///
    /// # Errors
    /// [`Error::Model`](crate::Error::Model) `"tensor dtype does not convert to the requested type"` (offset: the
    /// tensor's table entry) when `T` cannot represent the stored type exactly.
    pub fn values<T: Element>(&self) -> Result<Values<'a, T>> {
        if !T::accepts(self.dtype) {
            return Err(bad("tensor dtype does not convert to the requested type", self.entry_offset));
        }
        Ok(Values { chunks: self.data.chunks_exact(self.dtype.size()), dtype: self.dtype, _t: PhantomData })
    }

    /// Decodes all elements into `out` (row-major). Cost: O(len).
    ///
    /// # Errors
    /// As [`Tensor::values`]; [`Error::DimensionMismatch`](crate::Error::DimensionMismatch) if `out.len() != len()`. `out` is
    /// untouched on error.
    pub fn read_into<T: Element>(&self, out: &mut [T]) -> Result<()> {
        self.values::<T>()?;
        check_len("tensor output", self.len, out.len())?;
        T::decode_all(self.dtype, self.data, out);
        Ok(())
    }

    /// Element `index` (row-major) decoded as `T`; `None` if out of range or `T` does not accept
    /// the stored type. Cost: O(1).
    #[must_use]
    pub fn get<T: Element>(&self, index: usize) -> Option<T> {
        if !T::accepts(self.dtype) {
            return None;
        }
        let size = self.dtype.size();
        let start = index.checked_mul(size)?;
        T::decode(self.dtype, self.data.get(start..start.checked_add(size)?)?)
    }

    /// [`Tensor::read_into`] for `f32` (f16 and bf16 are widened exactly, as `half` does;
    /// f16 in bulk through [`ferrokern_simd::widen_f16_le`], 1.5 instructions per value on a
    /// Cortex-M4F).
    ///
    /// # Errors
    /// As [`Tensor::read_into`].
    pub fn to_f32(&self, out: &mut [f32]) -> Result<()> {
        self.read_into(out)
    }

    /// [`Tensor::get`] for `f32`.
    #[must_use]
    pub fn get_f32(&self, index: usize) -> Option<f32> {
        self.get(index)
    }

    /// [`Tensor::read_into`] for `u32` (from u32 or u8 tensors).
    ///
    /// # Errors
    /// As [`Tensor::read_into`].
    pub fn to_u32(&self, out: &mut [u32]) -> Result<()> {
        self.read_into(out)
    }

    /// [`Tensor::read_into`] for `i32` (from i32 or u8 tensors).
    ///
    /// # Errors
    /// As [`Tensor::read_into`].
    pub fn to_i32(&self, out: &mut [i32]) -> Result<()> {
        self.read_into(out)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for u32 {}
    impl Sealed for i32 {}
}

/// A Rust type tensor elements decode to exactly: `f32`, `u32` or `i32` (sealed).
pub trait Element: sealed::Sealed + Copy {
    /// Whether values of `dtype` convert to `Self` without loss.
    fn accepts(dtype: DType) -> bool;
    /// Decodes one element of `dtype` from its `dtype.size()` bytes; `None` if not accepted.
    fn decode(dtype: DType, bytes: &[u8]) -> Option<Self>;
    /// Decodes the elements of `dtype` in `data` into `out`, over the common length: one by
    /// one ([`Element::decode`]), or in bulk where a kernel exists (f16 → f32).
    fn decode_all(dtype: DType, data: &[u8], out: &mut [Self]) {
        decode_each(dtype, data, out);
    }
}

/// [`Element::decode_all`] element by element (elements `dtype` does not convert to stay).
fn decode_each<T: Element>(dtype: DType, data: &[u8], out: &mut [T]) {
    for (o, b) in out.iter_mut().zip(data.chunks_exact(dtype.size())) {
        if let Some(v) = T::decode(dtype, b) {
            *o = v;
        }
    }
}

fn le2(bytes: &[u8]) -> Option<u16> {
    <[u8; 2]>::try_from(bytes).ok().map(u16::from_le_bytes)
}

fn le4(bytes: &[u8]) -> Option<[u8; 4]> {
    <[u8; 4]>::try_from(bytes).ok()
}

impl Element for f32 {
    fn accepts(dtype: DType) -> bool {
        dtype.is_float()
    }
    fn decode(dtype: DType, bytes: &[u8]) -> Option<Self> {
        match dtype {
            DType::F32 => le4(bytes).map(f32::from_le_bytes),
            DType::F16 => le2(bytes).map(|b| ferrokern_simd::widen_f16(half::f16::from_bits(b))),
            DType::BF16 => le2(bytes).map(|b| half::bf16::from_bits(b).to_f32()),
            _ => None,
        }
    }
    fn decode_all(dtype: DType, data: &[u8], out: &mut [Self]) {
        if dtype == DType::F16 {
            ferrokern_simd::widen_f16_le(data, out);
        } else {
            decode_each(dtype, data, out);
        }
    }
}

impl Element for u32 {
    fn accepts(dtype: DType) -> bool {
        matches!(dtype, DType::U32 | DType::U8)
    }
    fn decode(dtype: DType, bytes: &[u8]) -> Option<Self> {
        match dtype {
            DType::U32 => le4(bytes).map(u32::from_le_bytes),
            DType::U8 => bytes.first().copied().map(u32::from),
            _ => None,
        }
    }
}

impl Element for i32 {
    fn accepts(dtype: DType) -> bool {
        matches!(dtype, DType::I32 | DType::U8)
    }
    fn decode(dtype: DType, bytes: &[u8]) -> Option<Self> {
        match dtype {
            DType::I32 => le4(bytes).map(i32::from_le_bytes),
            DType::U8 => bytes.first().copied().map(i32::from),
            _ => None,
        }
    }
}

/// Iterator over a tensor's elements decoded as `T` (see [`Tensor::values`]).
#[derive(Clone, Debug)]
pub struct Values<'a, T> {
    chunks: ChunksExact<'a, u8>,
    dtype: DType,
    _t: PhantomData<T>,
}

impl<T: Element> Iterator for Values<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        T::decode(self.dtype, self.chunks.next()?)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl<T: Element> ExactSizeIterator for Values<'_, T> {}
impl<T: Element> FusedIterator for Values<'_, T> {}
