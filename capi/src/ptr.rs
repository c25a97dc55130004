//! The only `unsafe` of the crate: C pointer + length → Rust slice, after the checks that can
//! be made (NULL, alignment, byte size ≤ `isize::MAX`, no wrap-around, outputs disjoint from
//! everything else). What cannot be checked — that the memory really holds `len` elements —
//! is the C caller's contract, stated on every exported function.

use core::mem::size_of;

use crate::status::{fk_status, Res};

/// Byte range `[start, end)` of a buffer (empty for `len == 0`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn overlaps(self, other: Span) -> bool {
        self.start < self.end && other.start < other.end && self.start < other.end && other.start < self.end
    }
}

/// Checks `ptr` + `len` elements of `T` and returns its byte range.
///
/// Errors: `FK_ERR_NULL_POINTER` for a NULL or misaligned pointer of a non-empty buffer,
/// `FK_ERR_SIZE_OVERFLOW` if the byte size exceeds `isize::MAX` or the range wraps around.
pub(crate) fn span<T>(ptr: *const T, len: usize) -> Res<Span> {
    if len == 0 {
        return Ok(Span { start: 0, end: 0 });
    }
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(fk_status::FK_ERR_NULL_POINTER);
    }
    let bytes = len.checked_mul(size_of::<T>()).filter(|&b| b <= isize::MAX as usize);
    let start = ptr as usize;
    let end = bytes.and_then(|b| start.checked_add(b)).ok_or(fk_status::FK_ERR_SIZE_OVERFLOW)?;
    Ok(Span { start, end })
}

/// Errors with `FK_ERR_OVERLAP` unless every span of `outputs` is disjoint from the other
/// outputs and from every span of `inputs` (inputs may overlap each other: shared reads).
pub(crate) fn disjoint(outputs: &[Span], inputs: &[Span]) -> Res<()> {
    for (i, o) in outputs.iter().enumerate() {
        let others = outputs.iter().skip(i + 1).chain(inputs);
        if others.into_iter().any(|s| o.overlaps(*s)) {
            return Err(fk_status::FK_ERR_OVERLAP);
        }
    }
    Ok(())
}

/// A shared slice over `len` elements at `ptr` (empty, without touching `ptr`, if `len == 0`).
///
/// # Errors
/// As [`span`].
///
/// # Safety
/// For `len > 0`: `ptr` addresses `len` initialised `T`, readable and not written by anyone
/// else for `'a`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> Res<&'a [T]> {
    span(ptr, len)?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: `span` checked non-NULL, alignment, byte size ≤ isize::MAX and no wrap-around;
    // validity of the `len` elements for `'a` is this function's contract.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A mutable slice over `len` elements at `ptr` (empty if `len == 0`).
///
/// # Errors
/// As [`span`].
///
/// # Safety
/// For `len > 0`: `ptr` addresses `len` initialised `T`, readable and writable, accessed by
/// nothing else for `'a` (callers first check with [`disjoint`] against the other arguments).
pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> Res<&'a mut [T]> {
    span(ptr, len)?;
    if len == 0 {
        return Ok(&mut []);
    }
    // SAFETY: as in `slice`, plus exclusivity, which is this function's contract.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// One output value at `ptr` (must not be NULL).
///
/// # Errors
/// As [`span`].
///
/// # Safety
/// As [`slice_mut`] with `len = 1`.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T) -> Res<&'a mut T> {
    // SAFETY: forwarded contract of `slice_mut` with one element.
    let s = unsafe { slice_mut(ptr, 1) }?;
    s.first_mut().ok_or(fk_status::FK_ERR_NULL_POINTER)
}

/// `a · b` elements, `FK_ERR_SIZE_OVERFLOW` on overflow.
pub(crate) fn dims(a: usize, b: usize) -> Res<usize> {
    a.checked_mul(b).ok_or(fk_status::FK_ERR_SIZE_OVERFLOW)
}
