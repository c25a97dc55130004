//! Output conventions: `--json` prints exactly one JSON object on stdout (always with a
//! `"seconds"` key: wall time of the kernel work alone); otherwise a short human summary.
//! Progress bars go to stderr, only when stderr is a terminal and `--json` is off.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value};

use crate::error::{CliError, Result};

/// Settings every command receives (global flags).
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// `--json`: machine-readable output.
    pub json: bool,
}

impl Ctx {
    /// Print the command's result: with `--json`, `fields` (a JSON object) plus
    /// `"seconds": seconds` as one line; otherwise the text built by `human`.
    pub fn finish(&self, seconds: f64, fields: Value, human: impl FnOnce() -> String) -> Result<()> {
        if self.json {
            let mut obj = match fields {
                Value::Object(m) => m,
                other => {
                    let mut m = Map::new();
                    m.insert("result".into(), other);
                    m
                }
            };
            obj.insert("seconds".into(), seconds_value(seconds));
            print_stdout(&format!("{}\n", Value::Object(obj)))
        } else {
            let mut text = human();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            print_stdout(&text)
        }
    }

    /// Print a status line on stderr (never in `--json` mode, so scripts see clean streams).
    pub fn status(&self, line: &str) {
        if !self.json {
            eprintln!("{line}");
        }
    }
}

/// Seconds as a JSON number, rounded to microseconds.
pub fn seconds_value(seconds: f64) -> Value {
    serde_json::json!((seconds * 1e6).round() / 1e6)
}

/// Write `text` to stdout; a closed pipe (`| head`) ends quietly, other failures are errors.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::new(format!("cannot write to stdout: {e}"))),
    }
}

/// Accumulates the wall time of kernel work only: wrap each kernel call in [`Stopwatch::time`]
/// and leave parsing and I/O outside.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stopwatch {
    total: Duration,
}

impl Stopwatch {
    /// A stopwatch at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Run `f`, adding its wall time.
    pub fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.total += start.elapsed();
        out
    }

    /// Seconds accumulated so far.
    pub fn seconds(&self) -> f64 {
        self.total.as_secs_f64()
    }
}

/// A progress bar on stderr that does nothing when stderr is not a terminal or `--json` is on.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar of `len` steps labelled `label` (hidden unless stderr is an interactive terminal).
    pub fn new(ctx: &Ctx, len: u64, label: &str) -> Self {
        let visible = !ctx.json && std::io::stderr().is_terminal();
        Self::with_visibility(visible, len, label)
    }

    /// A bar that never draws (tests, nested work).
    pub fn hidden() -> Self {
        Self { bar: None }
    }

    fn with_visibility(visible: bool, len: u64, label: &str) -> Self {
        if !visible {
            return Self::hidden();
        }
        let bar = ProgressBar::new(len);
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label.to_owned());
        Self { bar: Some(bar) }
    }

    /// Whether anything is drawn.
    pub fn is_visible(&self) -> bool {
        self.bar.is_some()
    }

    /// Reset to `len` steps (e.g. when a demo knows its own step count).
    pub fn set_length(&self, len: u64) {
        if let Some(b) = &self.bar {
            b.set_length(len);
            b.set_position(0);
        }
    }

    /// Advance one step, showing `msg`.
    pub fn step(&self, msg: &str) {
        if let Some(b) = &self.bar {
            b.set_message(msg.to_owned());
            b.inc(1);
        }
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwatch_accumulates_only_timed_work() {
        let mut sw = Stopwatch::new();
        let v = sw.time(|| {
            std::thread::sleep(Duration::from_millis(20));
            7
        });
        std::thread::sleep(Duration::from_millis(50)); // not timed
        assert_eq!(v, 7);
        assert!(sw.seconds() >= 0.02 && sw.seconds() < 0.06, "{}", sw.seconds());
    }

    #[test]
    fn hidden_progress_is_a_no_op() {
        let p = Progress::with_visibility(false, 10, "x");
        assert!(!p.is_visible());
        p.step("a");
        p.set_length(3);
        p.finish();
    }
}
