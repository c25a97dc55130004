//! Element types of stored tensors.

/// Element type of a stored tensor. All multi-byte types are little-endian.
///
/// The numeric value is the code stored in the file (table in `docs/model-format.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
#[repr(u8)]
pub enum DType {
    /// IEEE-754 binary32.
    F32 = 1,
    /// IEEE-754 binary16 (decoded with the `half` crate).
    F16 = 2,
    /// bfloat16: the upper 16 bits of a binary32 (decoded with the `half` crate).
    BF16 = 3,
    /// Two's-complement 32-bit integer.
    I32 = 4,
    /// Unsigned 32-bit integer.
    U32 = 5,
    /// Unsigned byte.
    U8 = 6,
}

impl DType {
    /// Every type, in code order.
    pub const ALL: [DType; 6] = [DType::F32, DType::F16, DType::BF16, DType::I32, DType::U32, DType::U8];

    /// Bytes per element.
    #[must_use]
    pub const fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::F16 | DType::BF16 => 2,
            DType::U8 => 1,
        }
    }

    /// The code stored in the file.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The type for a stored code, `None` for an unknown code.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(DType::F32),
            2 => Some(DType::F16),
            3 => Some(DType::BF16),
            4 => Some(DType::I32),
            5 => Some(DType::U32),
            6 => Some(DType::U8),
            _ => None,
        }
    }

    /// Whether the type is a floating-point type (decodes to `f32`).
    #[must_use]
    pub const fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F16 | DType::BF16)
    }

    /// Lower-case name as in the docs (`"f32"`, `"bf16"`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::I32 => "i32",
            DType::U32 => "u32",
            DType::U8 => "u8",
        }
    }
}
