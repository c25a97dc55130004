//! Exact text output of f32 results: `label: xxxxxxxx xxxxxxxx ...` plus a checksum.

use core::fmt::{self, Write};

/// Why a demo stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DemoError {
    /// Writing the output failed.
    Fmt,
    /// A ferrokern kernel rejected its input (a demo bug: inputs are fixed).
    Kernel(ferrokern::Error),
}

impl From<fmt::Error> for DemoError {
    fn from(_: fmt::Error) -> Self {
        DemoError::Fmt
    }
}

impl From<ferrokern::Error> for DemoError {
    fn from(e: ferrokern::Error) -> Self {
        DemoError::Kernel(e)
    }
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Fmt => f.write_str("output error"),
            DemoError::Kernel(e) => write!(f, "kernel error: {e}"),
        }
    }
}

/// What a demo printed: number of f32 values and their FNV-1a checksum over the bit patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Values printed.
    pub values: u32,
    /// FNV-1a (32-bit) over the little-endian bytes of every printed value, in order.
    pub checksum: u32,
}

/// Values per output line (keeps lines short for a readable first-mismatch report).
const PER_LINE: usize = 8;

/// Writer of labelled hex bit patterns that keeps a running [`Summary`].
pub struct HexOut<'w, W: Write> {
    out: &'w mut W,
    summary: Summary,
}

impl<'w, W: Write> HexOut<'w, W> {
    /// Wraps `out`.
    pub fn new(out: &'w mut W) -> Self {
        Self { out, summary: Summary { values: 0, checksum: FNV_START } }
    }

    /// Prints one value as `label: xxxxxxxx`.
    pub fn scalar(&mut self, label: &str, x: f32) -> fmt::Result {
        self.slice(label, core::slice::from_ref(&x))
    }

    /// Prints `xs` as lines `label[i]: xxxxxxxx ...`, [`PER_LINE`] values per line.
    pub fn slice(&mut self, label: &str, xs: &[f32]) -> fmt::Result {
        for (k, chunk) in xs.chunks(PER_LINE).enumerate() {
            if xs.len() > 1 {
                write!(self.out, "{label}[{}]:", k * PER_LINE)?;
            } else {
                write!(self.out, "{label}:")?;
            }
            for &x in chunk {
                let bits = x.to_bits();
                write!(self.out, " {bits:08x}")?;
                self.absorb(bits);
            }
            self.out.write_char('\n')?;
        }
        Ok(())
    }

    /// Prints an informational line (`# text`), excluded from the host/device comparison.
    pub fn note(&mut self, args: fmt::Arguments<'_>) -> fmt::Result {
        self.out.write_str("# ")?;
        self.out.write_fmt(args)?;
        self.out.write_char('\n')
    }

    /// Prints the closing `values N checksum XXXXXXXX` line and returns the summary.
    pub fn finish(self) -> Result<Summary, fmt::Error> {
        let s = self.summary;
        writeln!(self.out, "values {} checksum {:08x}", s.values, s.checksum)?;
        Ok(s)
    }

    fn absorb(&mut self, bits: u32) {
        self.summary.checksum = fnv1a(self.summary.checksum, bits);
        self.summary.values += 1;
    }
}

/// FNV-1a offset basis: the checksum of no values.
pub(crate) const FNV_START: u32 = 0x811c_9dc5;

/// One FNV-1a step over the little-endian bytes of `bits`.
pub(crate) fn fnv1a(mut h: u32, bits: u32) -> u32 {
    for b in bits.to_le_bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::HexOut;
    use std::string::String;

    #[test]
    fn checksum_is_fnv1a_of_the_printed_bytes() {
        // FNV-1a 32 of the bytes "abcd" is 0xce3479bd (reference value of the FNV test suite).
        let x = f32::from_bits(u32::from_le_bytes(*b"abcd"));
        let mut s = String::new();
        let mut p = HexOut::new(&mut s);
        p.scalar("x", x).unwrap();
        let sum = p.finish().unwrap();
        assert_eq!(sum.checksum, 0xce34_79bd);
        assert_eq!(s, "x: 64636261\nvalues 1 checksum ce3479bd\n");
    }

    #[test]
    fn slices_wrap_every_eight_values() {
        let mut s = String::new();
        let mut p = HexOut::new(&mut s);
        p.slice("v", &[1.0; 9]).unwrap();
        assert_eq!(p.finish().unwrap().values, 9);
        let first = s.lines().next().unwrap();
        assert!(first.starts_with("v[0]: 3f800000") && first.split(' ').count() == 9, "{first}");
        assert!(s.lines().nth(1).unwrap() == "v[8]: 3f800000");
    }
}
