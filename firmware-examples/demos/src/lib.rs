//! Computations shared by the firmware examples and the host reference run.
//!
//! Each demo is a function writing text lines to a [`core::fmt::Write`]: the firmware passes a
//! semihosting stdout, the host (`cargo xtask host-demo NAME`) a `String`. Results are printed as
//! the hexadecimal bit patterns of the f32 values (see [`HexOut`]), so the comparison is exact
//! and no float formatting code ends up in flash. Lines starting with `#` are informational
//! (allowed to differ between host and device) and are skipped by the comparison.
//!
//! Adding a demo: write `pub fn NAME(out, delay) -> Result<Summary, DemoError>` in its own
//! module here, a firmware binary calling it, and one row in xtask's demo table.
#![no_std]
#![warn(missing_docs)]

mod denoise;
mod finetune;
mod gbnn;
mod gbnn_data;
mod hexout;
mod lasso;
mod linalg;
mod sinkhorn;

pub use denoise::{
    denoise, denoise_noise, denoise_student, student_sample, StreamedMlp, DENOISE_JUDGE, DENOISE_SAMPLES,
    DENOISE_SCALE, DENOISE_SEED, DENOISE_STUDENT,
};
pub use embedded_hal::delay::DelayNs;
pub use finetune::finetune;
pub use gbnn::gbnn;
pub use hexout::{DemoError, HexOut, Summary};
pub use lasso::{lasso, Sensor, SimulatedSensor};
pub use linalg::linalg;
pub use sinkhorn::sinkhorn;
