//! Status codes mirroring `ferrokern::Error`, plus the C-side failures.

use core::ffi::c_char;

use ferrokern::Error;

/// Result of every `fk_` function: `FK_OK` (0) or why nothing (or, for
/// `FK_ERR_NOT_CONVERGED`, a valid but unconverged result) was produced. One code per
/// `ferrokern::Error` variant, plus `FK_ERR_NULL_POINTER` and `FK_ERR_OVERLAP`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum fk_status {
    /// Success.
    FK_OK = 0,
    /// A non-empty buffer was given as NULL, or a pointer is misaligned for its type.
    FK_ERR_NULL_POINTER = 1,
    /// An output buffer overlaps another argument (inputs may overlap each other).
    FK_ERR_OVERLAP = 2,
    /// A buffer or dimension has the wrong size (`Error::DimensionMismatch`).
    FK_ERR_DIMENSION_MISMATCH = 3,
    /// An input holds NaN or ±inf (`Error::NonFinite`).
    FK_ERR_NON_FINITE = 4,
    /// A parameter is out of its domain (`Error::InvalidParameter`).
    FK_ERR_INVALID_PARAMETER = 5,
    /// The scratch buffer is too small (`Error::WorkspaceTooSmall`): see the `*_work_len` function.
    FK_ERR_WORKSPACE_TOO_SMALL = 6,
    /// Size arithmetic overflows `size_t` (`Error::SizeOverflow`).
    FK_ERR_SIZE_OVERFLOW = 7,
    /// The iteration limit was reached before the tolerance; outputs hold the last valid
    /// iterate and the report is filled (`Error::NotConverged`).
    FK_ERR_NOT_CONVERGED = 8,
    /// The computation under- or overflowed (`Error::NumericalFailure`).
    FK_ERR_NUMERICAL_FAILURE = 9,
    /// The model blob is malformed or of the wrong kind (`Error::Model`).
    FK_ERR_MODEL = 10,
    /// An error variant added to ferrokern after this header was generated.
    FK_ERR_OTHER = 11,
}

impl From<Error> for fk_status {
    fn from(e: Error) -> Self {
        match e {
            Error::DimensionMismatch { .. } => fk_status::FK_ERR_DIMENSION_MISMATCH,
            Error::NonFinite { .. } => fk_status::FK_ERR_NON_FINITE,
            Error::InvalidParameter { .. } => fk_status::FK_ERR_INVALID_PARAMETER,
            Error::WorkspaceTooSmall { .. } => fk_status::FK_ERR_WORKSPACE_TOO_SMALL,
            Error::SizeOverflow => fk_status::FK_ERR_SIZE_OVERFLOW,
            Error::NotConverged { .. } => fk_status::FK_ERR_NOT_CONVERGED,
            Error::NumericalFailure { .. } => fk_status::FK_ERR_NUMERICAL_FAILURE,
            Error::Model { .. } => fk_status::FK_ERR_MODEL,
            _ => fk_status::FK_ERR_OTHER,
        }
    }
}

/// `Result` of the C layer: the error side is already a status.
pub(crate) type Res<T> = Result<T, fk_status>;

/// Runs an exported function's body and turns its result into the returned status.
pub(crate) fn run(body: impl FnOnce() -> Res<()>) -> fk_status {
    match body() {
        Ok(()) => fk_status::FK_OK,
        Err(s) => s,
    }
}

/// A static, NUL-terminated English name of `status` (an `fk_status` value; any other integer
/// gives `"unknown status"`). Never NULL. O(1).
#[no_mangle]
pub extern "C" fn fk_status_str(status: i32) -> *const c_char {
    let s: &'static core::ffi::CStr = match status {
        0 => c"ok",
        1 => c"null or misaligned pointer",
        2 => c"output buffer overlaps another argument",
        3 => c"dimension mismatch",
        4 => c"input is not finite",
        5 => c"invalid parameter",
        6 => c"workspace too small",
        7 => c"size arithmetic overflows size_t",
        8 => c"did not converge (result is the last valid iterate)",
        9 => c"numerical failure",
        10 => c"malformed model",
        11 => c"other error",
        _ => c"unknown status",
    };
    s.as_ptr()
}
