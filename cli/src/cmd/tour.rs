//! `ferrokern tour`: run every registered demo (see `demos/mod.rs`) on bundled data and print
//! a report. Budget: 3 minutes for the whole tour.

use serde_json::{json, Map, Value};

use crate::demos::{DemoSettings, DEMOS};
use crate::error::{CliError, Result};
use crate::output::{seconds_value, Ctx, Progress};

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Measure briefly (about a second in all): for smoke tests; throughput is less stable.
    #[arg(long)]
    pub quick: bool,
}

/// Run the demos in order.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let settings = DemoSettings { quick: args.quick };
    let level = ferrokern_simd::active_level().name();
    let mut entries = Vec::new();
    let mut report = vec![format!("ferrokern tour: {} demo(s), active SIMD path {level}", DEMOS.len())];
    let mut total = 0.0;
    let mut all_ok = true;
    for (i, demo) in DEMOS.iter().enumerate() {
        ctx.status(&format!("[{}/{}] {}: {}", i + 1, DEMOS.len(), demo.name, demo.description));
        let progress = Progress::new(ctx, 1, demo.name);
        let out = (demo.run)(&settings, &progress)
            .map_err(|e| CliError::new(format!("tour demo '{}': {e}", demo.name)))?;
        progress.finish();
        total += out.seconds;
        all_ok &= out.ok;
        let mut entry = Map::new();
        entry.insert("name".into(), json!(demo.name));
        entry.insert("description".into(), json!(demo.description));
        entry.insert("ok".into(), json!(out.ok));
        entry.insert("seconds".into(), seconds_value(out.seconds));
        if let Value::Object(fields) = out.json {
            entry.extend(fields);
        }
        entries.push(Value::Object(entry));
        report.push(String::new());
        report.push(format!("== {} ({:.2} s kernel time) — {}", demo.name, out.seconds, demo.description));
        report.extend(out.lines);
    }
    report.push(String::new());
    report.push(format!(
        "tour finished: {:.2} s of kernel work, {}",
        total,
        if all_ok { "all checks passed" } else { "SOME CHECKS FAILED" }
    ));
    let fields = json!({ "simd_level": level, "quick": args.quick, "ok": all_ok, "demos": entries });
    ctx.finish(total, fields, || report.join("\n"))?;
    if all_ok {
        Ok(())
    } else {
        Err(CliError::new("tour: some demo checks failed (see the report)"))
    }
}
