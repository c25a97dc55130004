//! The CLI's error type: every failure becomes one line `error: …` on stderr and exit status 2.

use std::fmt;
use std::path::Path;

/// Exit status for every error (bad input, bad parameter, I/O failure, internal error).
pub const EXIT_ERROR: i32 = 2;

/// A user-facing error. `Display` is a single line (newlines are flattened) that names the
/// file, row, column or parameter at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(String);

/// Result alias used by every command.
pub type Result<T> = std::result::Result<T, CliError>;

impl CliError {
    /// An error with this message (without the `error: ` prefix).
    pub fn new(msg: impl Into<String>) -> Self {
        let msg: String = msg.into();
        // One line, always: a multi-line message would break the "one line on stderr" contract.
        let flat: Vec<&str> = msg.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        Self(flat.join(" "))
    }

    /// An error about a file: `'<path>': <msg>`.
    pub fn file(path: &Path, msg: impl fmt::Display) -> Self {
        Self::new(format!("{}: {msg}", quote(path)))
    }

    /// An error about a command-line parameter: `--<name>: <msg>`.
    pub fn param(name: &str, msg: impl fmt::Display) -> Self {
        Self::new(format!("--{name}: {msg}"))
    }

    /// A kernel error from `ferrokern`, with what was being done.
    pub fn kernel(context: &str, err: ferrokern::Error) -> Self {
        Self::new(format!("{context}: {err}"))
    }

    /// The message without the `error: ` prefix.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

/// A path as it appears in messages: `'data/x.csv'`.
pub fn quote(path: &Path) -> String {
    format!("'{}'", path.display())
}

/// Replace the default panic output (a multi-line trace) by one `error: internal error: …` line
/// and exit status 2. A safety net: normal failures are `CliError`s, never panics.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let place = info.location().map(|l| format!(" (at {}:{})", l.file(), l.line())).unwrap_or_default();
        let line = CliError::new(format!("internal error: {what}{place}"));
        eprintln!("error: {line}");
        std::process::exit(EXIT_ERROR);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_is_one_line() {
        let e = CliError::new("first\n\n  second  \nthird");
        assert_eq!(e.to_string(), "first second third");
    }

    #[test]
    fn file_and_param_forms() {
        assert_eq!(CliError::file(Path::new("a.csv"), "is empty").to_string(), "'a.csv': is empty");
        assert_eq!(CliError::param("lambda", "must be > 0").to_string(), "--lambda: must be > 0");
    }
}
