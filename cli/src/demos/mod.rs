//! The demos `ferrokern tour` runs, in order. To add one: write `demos/<name>.rs` exposing a
//! `pub const DEMO: Demo`, add `pub mod <name>;` below and `<name>::DEMO` to [`DEMOS`].
//! A demo uses bundled data only (`include_str!` of host-tests/data), and the whole tour must
//! stay under 3 minutes (the `quick` flag asks for a fraction of a second per demo).

use serde_json::Value;

use crate::error::Result;
use crate::output::Progress;

pub mod bcd;
pub mod denoise;
pub mod gbnn;
pub mod linalg;
pub mod optim;
pub mod ot;

/// Every registered demo, in tour order.
pub const DEMOS: &[Demo] = &[linalg::DEMO, optim::DEMO, bcd::DEMO, gbnn::DEMO, ot::DEMO, denoise::DEMO];

/// One tour entry.
pub struct Demo {
    /// Short name (`"linalg"`), the key in the JSON report.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Runs the demo; it may step `progress` (already hidden when it must not draw).
    pub run: fn(&DemoSettings, &Progress) -> Result<DemoOutput>,
}

/// Settings the tour passes to every demo.
#[derive(Debug, Clone, Copy)]
pub struct DemoSettings {
    /// `--quick`: measure briefly (timing less stable), for tests and smoke runs.
    pub quick: bool,
}

impl DemoSettings {
    /// Minimum wall time to spend timing one measured operation.
    pub fn min_measure_seconds(&self) -> f64 {
        if self.quick {
            0.01
        } else {
            0.2
        }
    }
}

/// What a demo reports.
pub struct DemoOutput {
    /// Wall time of kernel work only.
    pub seconds: f64,
    /// Whether every check the demo makes passed.
    pub ok: bool,
    /// Demo-specific JSON fields (an object), merged into the demo's entry.
    pub json: Value,
    /// Human-readable report lines.
    pub lines: Vec<String>,
}
