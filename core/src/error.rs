//! The one error type of the crate.

use core::fmt;

/// Why a kernel refused its input or stopped.
///
/// On error a kernel leaves caller state (parameters, optimizer moments, iterates) as it was,
/// unless the kernel's docs say otherwise (e.g. [`Error::NotConverged`] keeps the last valid
/// iterate).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A slice or dimension has the wrong size.
    DimensionMismatch {
        /// Which argument.
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// An input holds NaN or ±inf.
    NonFinite {
        /// Which argument.
        what: &'static str,
        /// First offending index.
        index: usize,
    },
    /// A parameter is out of its domain (zero/negative size, regularisation, step, …).
    InvalidParameter {
        /// Which parameter.
        name: &'static str,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// The caller's scratch buffer is too small.
    WorkspaceTooSmall {
        /// Elements needed (see the kernel's `workspace_len`).
        needed: usize,
        /// Elements given.
        given: usize,
    },
    /// Size arithmetic overflowed `usize` (e.g. on a 32-bit MCU).
    SizeOverflow,
    /// The iteration limit was reached before the tolerance; the iterate is valid.
    NotConverged {
        /// Iterations done.
        iterations: usize,
        /// Last residual / stopping criterion value.
        residual: f64,
    },
    /// The computation under- or overflowed (e.g. plain Sinkhorn scaling at tiny ε).
    NumericalFailure {
        /// What failed.
        what: &'static str,
    },
    /// A model file is malformed.
    Model {
        /// What is wrong.
        reason: &'static str,
        /// Byte offset where it was found.
        offset: usize,
    },
}

/// `core::result::Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::DimensionMismatch { what, expected, found } => {
                write!(f, "{what}: expected size {expected}, found {found}")
            }
            Error::NonFinite { what, index } => write!(f, "{what}[{index}] is not finite"),
            Error::InvalidParameter { name, reason } => write!(f, "invalid {name}: {reason}"),
            Error::WorkspaceTooSmall { needed, given } => {
                write!(f, "workspace too small: need {needed} elements, got {given}")
            }
            Error::SizeOverflow => f.write_str("size arithmetic overflows usize"),
            Error::NotConverged { iterations, residual } => {
                write!(f, "did not converge after {iterations} iterations (residual {residual:e})")
            }
            Error::NumericalFailure { what } => write!(f, "numerical failure: {what}"),
            Error::Model { reason, offset } => write!(f, "bad model file at byte {offset}: {reason}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// Checks `found == expected` for argument `what`.
#[inline]
pub fn check_len(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::DimensionMismatch { what, expected, found })
    }
}

/// `a · b` with overflow reported as [`Error::SizeOverflow`].
#[inline]
pub fn mul_size(a: usize, b: usize) -> Result<usize> {
    a.checked_mul(b).ok_or(Error::SizeOverflow)
}

/// `a + b` with overflow reported as [`Error::SizeOverflow`].
#[inline]
pub fn add_size(a: usize, b: usize) -> Result<usize> {
    a.checked_add(b).ok_or(Error::SizeOverflow)
}
