//! The CLI's bad-input contract (issue #8), as one table run against the built binary: every
//! subcommand, given a missing/empty/header-only/ragged/non-numeric/NaN/inf file, mismatched
//! shapes, a bad parameter, an out-of-range class, a model of the wrong kind or feature count, a
//! truncated/bit-flipped/random model, or an output path in a missing directory, must
//!
//! - exit with status 2 within [`TIMEOUT`] (output directories are checked before long work),
//! - print exactly one line `error: …` on stderr containing every expected substring (the file,
//!   row or parameter at fault), no panic text and no `internal error` (the panic hook is a last
//!   resort, not the validation),
//! - print nothing on stdout and leave no file (not even a temporary one) in [`Fixtures::out`].
//!
//! Adding cases: one [`row`] in [`cases`] (arguments + expected substrings), or — for a new
//! command that reads a CSV or a model — one argument list in `csv_slots` / `model_slots` inside
//! [`cases`], with `"@"` where the bad file goes; every bad file is then tried in that place.
//! Write every output path under `fx.out` so the "no partial output" check covers it.
//! `BAD_INPUT_SHOW=1 cargo test -p ferrokern-cli --test bad_input -- --nocapture` prints every
//! error line.

mod common;
use common::{run, BIN};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a bad-input case may take (an early error, not the end of a long computation).
const TIMEOUT: Duration = Duration::from_secs(10);

/// One table row: arguments after `ferrokern`, substrings the error line must contain.
struct Case {
    args: Vec<String>,
    want: Vec<String>,
}

/// A row of the table.
fn row(args: &[&str], want: &[&str]) -> Case {
    Case {
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        want: want.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Every `template` (arguments with `@` where the bad file goes) × every `(file, substrings)`;
/// the file's name is always expected in the message too.
fn expand(templates: &[Vec<&str>], files: &[(&str, Vec<&str>)]) -> Vec<Case> {
    let mut out = Vec::new();
    for t in templates {
        for (file, want) in files {
            let args: Vec<&str> = t.iter().map(|a| if *a == "@" { *file } else { *a }).collect();
            let name = Path::new(file).file_name().unwrap().to_str().unwrap();
            let mut want = want.clone();
            want.push(name);
            out.push(row(&args, &want));
        }
    }
    out
}

/// The temporary files every case refers to.
struct Fixtures {
    dir: PathBuf,
    /// Directory outputs go to; it must stay empty.
    out: PathBuf,
}

impl Fixtures {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("ferrokern-bad-input-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        Self { dir, out }
    }

    /// Writes `bytes` to `name` in the fixture directory; returns its path.
    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }

    /// A path in the fixture directory that does not exist.
    fn missing(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// An output path in the (empty) output directory.
    fn out(&self, name: &str) -> String {
        self.out.join(name).display().to_string()
    }

    /// A model trained by the CLI itself (small and fast), kept in the fixture directory.
    fn train(&self, args: &[&str], name: &str) -> String {
        let path = self.dir.join(name).display().to_string();
        let mut full = args.to_vec();
        full.extend(["--out", &path]);
        let o = run(&full);
        assert!(o.status.success(), "{full:?}: {}", String::from_utf8_lossy(&o.stderr));
        path
    }
}

impl Drop for Fixtures {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs the binary with a time limit; returns (status code or None if killed, stdout, stderr).
fn run_limited(args: &[String]) -> (Option<i32>, String, String) {
    let start = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start ferrokern");
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (code, out.join().unwrap(), err.join().unwrap())
}

/// What is wrong with the outcome of `case`, if anything.
fn check(case: &Case, fx: &Fixtures) -> Option<String> {
    let (code, stdout, stderr) = run_limited(&case.args);
    if std::env::var_os("BAD_INPUT_SHOW").is_some() {
        eprintln!("{}\n    {}", case.args.join(" "), stderr.trim_end());
    }
    let mut problems = Vec::new();
    if code.is_none() {
        problems.push(format!("did not finish within {TIMEOUT:?} (killed)"));
    } else if code != Some(2) {
        problems.push(format!("exit status {code:?}, expected 2"));
    }
    if !stdout.is_empty() {
        problems.push(format!("stdout not empty: {:?}", stdout.chars().take(200).collect::<String>()));
    }
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.len() != 1 || !stderr.starts_with("error: ") {
        problems.push(format!("stderr is not one `error: ` line: {stderr:?}"));
    }
    for bad in ["panicked", "internal error", "RUST_BACKTRACE"] {
        if stderr.contains(bad) {
            problems.push(format!("stderr contains {bad:?}"));
        }
    }
    for w in &case.want {
        if !stderr.contains(w.as_str()) {
            problems.push(format!("error line lacks {w:?}"));
        }
    }
    let left: Vec<String> = std::fs::read_dir(&fx.out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if !left.is_empty() {
        problems.push(format!("left files in the output directory: {left:?}"));
        for name in left {
            let p = fx.out.join(name);
            let _ = std::fs::remove_file(&p).or_else(|_| std::fs::remove_dir_all(&p));
        }
    }
    (!problems.is_empty()).then(|| {
        let shown: Vec<String> =
            case.args.iter().map(|a| a.replace(&fx.dir.display().to_string(), "$D")).collect();
        format!(
            "ferrokern {}\n    stderr: {}\n    {}",
            shown.join(" "),
            stderr.trim_end(),
            problems.join("\n    ")
        )
    })
}

/// The table. See the module docs for how to add rows.
#[rustfmt::skip]
fn cases(fx: &Fixtures) -> Vec<Case> {
    // --- data files (features a, b; last column = class 0/1) ---
    let good = fx.file("good.csv", "a,b,y\n1,2,0\n3,1,1\n5,6,0\n7,5,1\n2,2,0\n8,9,1\n");
    let pts = fx.file("pts.csv", "x,y\n0,0\n1,0\n0,1\n");
    let pts3 = fx.file("pts3d.csv", "x,y,z\n0,0,0\n1,0,0\n0,1,0\n");
    let edges = fx.file("edges.csv", "i,j\n0,1\n1,2\n2,3\n");
    let labels = fx.file("labels.csv", "node,class\n0,0\n3,1\n");
    let wide = fx.file("wide.csv", "a,b,c,d,y\n1,2,3,4,0\n5,6,7,8,1\n");
    let narrow = fx.file("narrow.csv", "a,y\n1,0\n2,1\n");
    let half_class = fx.file("half_class.csv", "a,b,y\n1,2,0\n3,1,1.5\n5,6,0\n");
    let neg_class = fx.file("neg_class.csv", "a,b,y\n1,2,0\n3,1,-1\n5,6,1\n");
    let big_class = fx.file("big_class.csv", "a,b,y\n1,2,0\n3,1,1\n5,6,7\n");
    let rows_out = fx.file("rows_out.txt", "0\n99\n");
    let rows_all = fx.file("rows_all.txt", "0\n1\n2\n3\n4\n5\n");
    let marg_short = fx.file("marg_short.csv", "0.5\n0.5\n");
    let marg_neg = fx.file("marg_neg.csv", "0.5\n-0.1\n0.6\n");
    let cost_2x2 = fx.file("cost_2x2.csv", "1,2\n3,4\n");
    let edges_3col_neg = fx.file("edges_neg.csv", "0,1,-2\n");
    let labels_3col = fx.file("labels_3col.csv", "0,0,1\n");
    let edges_huge_id = fx.file("edges_huge_id.csv", "0,999999999\n");
    let labels_huge_class = fx.file("labels_huge_class.csv", "0,0\n3,100000000\n");

    // --- bad CSV files: (path, substrings the message must hold besides the file name) ---
    let missing = fx.missing("missing.csv");
    let empty = fx.file("empty.csv", "");
    let blank = fx.file("blank.csv", "\n  \n");
    let header_only = fx.file("header_only.csv", "a,b,y\n");
    let ragged = fx.file("ragged.csv", "a,b,y\n1,2,0\n3,4\n");
    let non_numeric = fx.file("non_numeric.csv", "a,b,y\n1,2,0\n3,four,1\n");
    let nan = fx.file("nan.csv", "a,b,y\n1,2,0\n3,NaN,1\n");
    let inf = fx.file("inf.csv", "a,b,y\n1,2,0\n3,-inf,1\n");
    let empty_cell = fx.file("empty_cell.csv", "a,b,y\n1,2,0\n3,,1\n");
    let binary = fx.file("binary.csv", [0xffu8, 0xfe, 0x00, 0x81, 0x0a, 0x00]);
    let bad_csvs: Vec<(&str, Vec<&str>)> = vec![
        (&missing, vec!["cannot read"]),
        (&empty, vec!["empty"]),
        (&blank, vec!["empty"]),
        (&header_only, vec!["no data rows"]),
        (&ragged, vec!["row 1 (line 3)", "2 columns, expected 3"]),
        (&non_numeric, vec!["row 1 (line 3)", "column 1 ('b')", "'four' is not a number"]),
        (&nan, vec!["row 1 (line 3)", "'NaN' is not a finite number"]),
        (&inf, vec!["row 1 (line 3)", "'-inf' is not a finite number"]),
        (&empty_cell, vec!["row 1 (line 3)", "empty cell"]),
        (&binary, vec![]),
    ];

    // --- models: trained by the CLI itself, then damaged ---
    let mlp = fx.train(&["train", "mlp", "--data", &good, "--hidden", "2", "--epochs", "1"], "mlp.fkm");
    let gbnn = fx.train(&["gbnn", "train", "--data", &good, "--steps", "2"], "gbnn.fkm");
    let bytes = std::fs::read(&mlp).unwrap();
    let truncated = fx.file("truncated.fkm", &bytes[..bytes.len() / 2]);
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x10;
    let bitflip = fx.file("bitflip.fkm", &flipped);
    let mut flipped = bytes.clone();
    flipped[bytes.len() - 9] ^= 0x01;
    let bitflip_tail = fx.file("bitflip_tail.fkm", &flipped);
    let mut x = 0x9e37_79b9_u32;
    let noise: Vec<u8> = (0..600)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let random = fx.file("random.fkm", &noise);
    // A well-formed file (valid checksum) holding a NaN: standardize.mean[0] of good.csv is
    // (1+3+5+7+2+8)/6, stored as f32.
    let nan_weight = {
        let needle = ((26.0f64 / 6.0) as f32).to_le_bytes();
        let at = bytes.windows(4).position(|w| w == needle).expect("mean[0] in mlp.fkm");
        let mut b = bytes.clone();
        b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let body = b.len() - 4;
        let crc = ferrokern::model::crc32(&b[..body]).to_le_bytes();
        b[body..].copy_from_slice(&crc);
        fx.file("nan_weight.fkm", b)
    };
    let other_kind = {
        let mut w = ferrokern::model::ModelWriter::new("other").unwrap();
        w.meta_i64("features", 2).unwrap();
        fx.file("other_kind.fkm", w.to_bytes().unwrap())
    };
    let model_missing = fx.missing("missing.fkm");
    let model_empty = fx.file("empty.fkm", "");
    let bad_models: Vec<(&str, Vec<&str>)> = vec![
        (&model_missing, vec!["cannot read"]),
        (&model_empty, vec!["not a valid model file"]),
        (&truncated, vec!["not a valid model file"]),
        (&bitflip, vec!["not a valid model file"]),
        (&bitflip_tail, vec!["not a valid model file", "checksum"]),
        (&random, vec!["not a valid model file"]),
        (&good, vec!["not a valid model file"]),
    ];

    let nodir = |name: &str| fx.out.join("no-such-dir").join(name).display().to_string();
    let (m_out, e_out, png_out) = (fx.out("m.fkm"), fx.out("m.c"), fx.out("grid.png"));
    let repo = |p: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p).display().to_string();
    let (teacher, student) = (repo("models/denoise/teacher.fkm"), repo("firmware-examples/denoise/model/student.fkm"));
    let zeros = vec!["0"; 64].join(",");
    let samples = fx.file("samples.json", format!("{{\"samples\": [[{zeros}], [{zeros}]], \"classes\": [0, 1]}}"));
    let samples_bad_class = fx.file("samples_class.json", format!("{{\"samples\": [[{zeros}]], \"classes\": [12]}}"));
    let samples_short = fx.file("samples_short.json", "{\"samples\": [[0, 1]], \"classes\": [0]}");

    // Places a CSV file is read: `@` = the bad file.
    let csv_slots: Vec<Vec<&str>> = vec![
        vec!["inspect", "--data", "@"],
        vec!["inspect", "--data", &good, "--test-data", "@"],
        vec!["train", "mlp", "--data", "@", "--epochs", "1", "--out", &m_out],
        vec!["train", "mlp", "--data", &good, "--test-data", "@", "--epochs", "1", "--out", &m_out],
        vec!["predict", "--model", &mlp, "--data", "@"],
        vec!["predict", "--model", &gbnn, "--data", "@"],
        vec!["gbnn", "train", "--data", "@", "--steps", "2", "--out", &m_out],
        vec!["gbnn", "train", "--data", &good, "--test-data", "@", "--steps", "2", "--out", &m_out],
        vec!["gbnn", "eval", "--model", &gbnn, "--data", "@"],
        vec!["bcd", "--problem", "lasso", "--lambda", "0.1", "--data", "@"],
        vec!["bcd", "--problem", "label-propagation", "--lambda", "0.1", "--graph", "@", "--labels", &labels],
        vec!["bcd", "--problem", "label-propagation", "--lambda", "0.1", "--graph", &edges, "--labels", "@"],
        vec!["sinkhorn", "--eps", "0.1", "--x", "@", "--y", &pts],
        vec!["sinkhorn", "--eps", "0.1", "--x", &pts, "--y", "@"],
        vec!["sinkhorn", "--eps", "0.1", "--x", &pts, "--y", &pts, "--a", "@"],
        vec!["sinkhorn", "--eps", "0.1", "--x", &pts, "--y", &pts, "--b", "@"],
        vec!["sinkhorn", "--eps", "0.1", "--x", &pts, "--y", &pts, "--cost-matrix", "@"],
        vec!["denoise", "train", "--data", "@", "--steps", "2", "--out", &m_out],
    ];
    // Places a model file is read.
    let model_slots: Vec<Vec<&str>> = vec![
        vec!["predict", "--model", "@", "--data", &good],
        vec!["gbnn", "eval", "--model", "@", "--data", &good],
        vec!["export", "--model", "@", "--lang", "c", "--out", &e_out],
        vec!["denoise", "sample", "--model", "@", "--class", "1", "--out", &png_out],
        vec!["denoise", "distill", "--teacher", "@", "--pairs", "2", "--out", &m_out],
        vec!["denoise", "judge", "--samples", &samples, "--classifier", "@"],
    ];
    let mut t = expand(&csv_slots, &bad_csvs);
    t.extend(expand(&model_slots, &bad_models));

    t.extend([
        // --- unknown arguments, every subcommand ---
        row(&["info", "--bogus"], &["--bogus"]),
        row(&["tour", "--quick", "--bogus"], &["--bogus"]),
        row(&["optim", "trace", "--bogus"], &["--bogus"]),
        row(&["train", "mlp", "--data", &good, "--bogus"], &["--bogus"]),
        row(&["train", "cnn"], &["cnn"]),
        row(&["predict", "--data", &good], &["--model"]),
        row(&["export", "--model", &mlp, "--lang", "go"], &["--lang", "go"]),
        row(&["gbnn", "eval", "--data", &good], &["--model"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts], &["--eps"]),
        row(&["bcd", "--data", &good, "--lambda", "1"], &["--problem"]),
        // --- mismatched shapes ---
        row(&["inspect", "--data", &good, "--test-data", &wide], &["wide.csv", "5 columns", "has 3"]),
        row(&["train", "mlp", "--data", &good, "--test-data", &narrow, "--out", &m_out], &["narrow.csv", "2 columns"]),
        row(&["gbnn", "train", "--data", &good, "--test-data", &wide, "--out", &m_out], &["wide.csv", "5 columns"]),
        row(&["predict", "--model", &mlp, "--data", &wide], &["wide.csv", "5 columns", "expects 2 features"]),
        row(&["gbnn", "eval", "--model", &gbnn, "--data", &wide], &["wide.csv", "4 feature columns", "expects 2"]),
        row(&["train", "mlp", "--data", &good, "--test-rows", &rows_out, "--out", &m_out], &["rows_out.txt", "row 99"]),
        row(&["train", "mlp", "--data", &good, "--test-rows", &missing, "--out", &m_out], &["missing.csv", "cannot read"]),
        row(&["train", "mlp", "--data", &good, "--test-rows", &empty, "--out", &m_out], &["empty.csv", "lists no rows"]),
        row(&["gbnn", "train", "--data", &good, "--test-rows", &non_numeric, "--out", &m_out], &["non_numeric.csv", "line 1", "not a row index"]),
        row(&["inspect", "--data", &good, "--test-rows", &rows_all], &["rows_all.txt", "no training rows"]),
        row(&["sinkhorn", "--eps", "0.1", "--x", &pts, "--y", &pts3], &["pts3d.csv", "pts.csv", "--y points have 3 coordinates"]),
        row(&["sinkhorn", "--eps", "0.1", "--x", &pts, "--y", &pts, "--a", &marg_short], &["marg_short.csv", "3 values", "found 2"]),
        row(&["sinkhorn", "--eps", "0.1", "--x", &pts, "--y", &pts, "--b", &marg_neg], &["marg_neg.csv", "value 1", "negative"]),
        row(&["sinkhorn", "--eps", "0.1", "--x", &pts, "--y", &pts, "--cost-matrix", &cost_2x2], &["cost_2x2.csv", "2×2", "3×3"]),
        row(&["bcd", "--problem", "label-propagation", "--lambda", "0", "--graph", &edges_3col_neg, "--labels", &labels], &["edges_neg.csv", "row 0", "negative weight"]),
        row(&["bcd", "--problem", "label-propagation", "--lambda", "0", "--graph", &edges, "--labels", &labels_3col], &["labels_3col.csv", "2 columns"]),
        row(&["bcd", "--problem", "label-propagation", "--lambda", "0", "--graph", &edges_huge_id, "--labels", &labels], &["edges_huge_id.csv", "row 0", "column 1", "not a node id"]),
        row(&["bcd", "--problem", "label-propagation", "--lambda", "0", "--graph", &edges, "--labels", &labels_huge_class], &["labels_huge_class.csv", "row 1", "not a class"]),
        // --- parameters: zero, negative, NaN, infinite ---
        row(&["optim", "trace", "--lr", "0"], &["--lr"]),
        row(&["optim", "trace", "--lr", "-0.1"], &["--lr"]),
        row(&["optim", "trace", "--lr", "nan"], &["--lr"]),
        row(&["optim", "trace", "--lr", "inf"], &["--lr"]),
        row(&["optim", "trace", "--steps", "0"], &["--steps"]),
        row(&["optim", "trace", "--steps", "-5"], &["--steps", "'-5'", "whole number"]),
        row(&["optim", "trace", "--eps", "0"], &["--eps"]),
        row(&["optim", "trace", "--eps", "-1e-8"], &["--eps"]),
        row(&["optim", "trace", "--eps=-1e-8"], &["--eps"]),
        row(&["optim", "trace", "--json", "-1"], &["--json"]),
        row(&["optim", "trace", "--beta1", "1.5"], &["--beta1"]),
        row(&["optim", "trace", "--beta2", "nan"], &["--beta2"]),
        row(&["optim", "trace", "--weight-decay", "-1"], &["--weight-decay"]),
        row(&["optim", "trace", "--x0", "nan"], &["--x0"]),
        row(&["optim", "trace", "--x0", "1,2"], &["--x0"]),
        row(&["optim", "trace", "--optimizer", "sgd", "--momentum", "-0.5"], &["--momentum"]),
        row(&["train", "mlp", "--data", &good, "--lr", "0", "--out", &m_out], &["--lr"]),
        row(&["train", "mlp", "--data", &good, "--lr", "-1", "--out", &m_out], &["--lr"]),
        row(&["train", "mlp", "--data", &good, "--lr", "inf", "--out", &m_out], &["--lr"]),
        row(&["train", "mlp", "--data", &good, "--epochs", "0", "--out", &m_out], &["--epochs"]),
        row(&["train", "mlp", "--data", &good, "--epochs", "-3", "--out", &m_out], &["--epochs"]),
        row(&["train", "mlp", "--data", &good, "--batch", "0", "--out", &m_out], &["--batch"]),
        row(&["train", "mlp", "--data", &good, "--hidden", "0", "--out", &m_out], &["--hidden"]),
        row(&["train", "mlp", "--data", &good, "--hidden", "-4", "--out", &m_out], &["--hidden"]),
        row(&["train", "mlp", "--data", &good, "--eps", "0", "--out", &m_out], &["--eps"]),
        row(&["train", "mlp", "--data", &good, "--beta2", "1", "--out", &m_out], &["--beta2"]),
        row(&["gbnn", "train", "--data", &good, "--steps", "0", "--out", &m_out], &["--steps"]),
        row(&["gbnn", "train", "--data", &good, "--steps", "-2", "--out", &m_out], &["--steps"]),
        row(&["gbnn", "train", "--data", &good, "--units", "0", "--out", &m_out], &["--units"]),
        row(&["gbnn", "train", "--data", &good, "--steps", "100000", "--units", "100000", "--out", &m_out], &["--steps", "1048576"]),
        row(&["gbnn", "train", "--data", &good, "--steps", "18446744073709551615", "--units", "2", "--out", &m_out], &["--steps"]),
        row(&["train", "mlp", "--data", &good, "--hidden", "100000,100000", "--out", &m_out], &["--hidden", "too large"]),
        row(&["train", "mlp", "--data", &good, "--hidden", "18446744073709551615,3", "--out", &m_out], &["--hidden", "too large"]),
        row(&["gbnn", "train", "--data", &good, "--lr", "0", "--out", &m_out], &["--lr"]),
        row(&["gbnn", "train", "--data", &good, "--lr", "-0.1", "--out", &m_out], &["--lr"]),
        row(&["gbnn", "train", "--data", &good, "--lr", "nan", "--out", &m_out], &["--lr"]),
        row(&["gbnn", "train", "--data", &good, "--subsample", "0", "--out", &m_out], &["--subsample"]),
        row(&["gbnn", "train", "--data", &good, "--subsample", "1.5", "--out", &m_out], &["--subsample"]),
        row(&["gbnn", "eval", "--model", &gbnn, "--data", &good, "--units", "0"], &["--units"]),
        row(&["gbnn", "eval", "--model", &gbnn, "--data", &good, "--units", "99"], &["--units", "1..=2"]),
        row(&["gbnn", "eval", "--model", &gbnn, "--data", &good, "--units", "-1"], &["--units"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "-1"], &["--lambda"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "nan"], &["--lambda"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "inf"], &["--lambda"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda-ratio", "-0.5"], &["--lambda-ratio"]),
        row(&["bcd", "--problem", "logistic", "--data", &good, "--lambda-ratio", "0.5"], &["--lambda-ratio"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "0.1", "--tol", "-1"], &["--tol"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "0.1", "--tol", "nan"], &["--tol"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "0.1", "--max-iter", "0"], &["--max-iter"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "0.1", "--max-iter", "-1"], &["--max-iter"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "0.1", "--block-size", "0"], &["--block-size"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "0.1", "--block-size", "3"], &["--block-size"]),
        row(&["bcd", "--problem", "lasso", "--lambda", "0.1"], &["--data"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "0"], &["--eps"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "-0.1"], &["--eps"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "nan"], &["--eps"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "inf"], &["--eps"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "0.1", "--tol", "-1"], &["--tol"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "0.1", "--max-iter", "0"], &["--max-iter"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "0.1", "--max-iter", "-1"], &["--max-iter"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "0.1", "--check-every", "0"], &["--check-every"]),
        row(&["export", "--model", &mlp, "--lang", "c", "--name", "9 bad", "--out", &e_out], &["--name"]),
        row(&["export", "--model", &mlp, "--lang", "rust", "--name", "", "--out", &e_out], &["--name"]),
        // --- denoise ---
        row(&["denoise", "train", "--data", &good, "--lr", "0", "--out", &m_out], &["--lr"]),
        row(&["denoise", "train", "--data", &good, "--steps", "0", "--out", &m_out], &["--steps"]),
        row(&["denoise", "train", "--data", &good, "--batch", "0", "--out", &m_out], &["--batch"]),
        row(&["denoise", "train", "--data", &good, "--steps", "1000000", "--out", &nodir("t.fkm")], &["no-such-dir", "--out"]),
        row(&["denoise", "distill", "--teacher", &teacher, "--pairs", "0", "--out", &m_out], &["--pairs"]),
        row(&["denoise", "distill", "--teacher", &teacher, "--epochs", "-1", "--out", &m_out], &["--epochs"]),
        row(&["denoise", "distill", "--teacher", &teacher, "--out", &nodir("s.fkm")], &["no-such-dir", "--out"]),
        row(&["denoise", "distill", "--teacher", &student, "--pairs", "2", "--out", &m_out], &["--teacher", "student"]),
        row(&["denoise", "distill", "--teacher", &mlp, "--pairs", "2", "--out", &m_out], &["mlp.fkm"]),
        row(&["denoise", "sample", "--model", &mlp, "--class", "1"], &["mlp.fkm"]),
        row(&["denoise", "sample", "--model", &teacher, "--class", "10"], &["--class"]),
        row(&["denoise", "sample", "--model", &teacher, "--class", "1", "--count", "0"], &["--count"]),
        row(&["denoise", "sample", "--model", &teacher, "--class", "1", "--steps", "0"], &["--steps"]),
        row(&["denoise", "sample", "--model", &teacher, "--class", "1", "--scale", "nan"], &["--scale"]),
        row(&["denoise", "sample", "--model", &teacher, "--class", "1", "--negative-class", "11"], &["--negative-class"]),
        row(&["denoise", "sample", "--model", &teacher, "--class", "1", "--out", &nodir("g.png")], &["no-such-dir", "--out"]),
        row(&["denoise", "sample", "--model", &student, "--class", "1", "--guidance", "apg"], &["--guidance"]),
        row(&["denoise", "judge", "--samples", &missing], &["missing.csv", "cannot read"]),
        row(&["denoise", "judge", "--samples", &good], &["good.csv", "not JSON"]),
        row(&["denoise", "judge", "--samples", &samples_bad_class], &["samples_class.json", "class 0"]),
        row(&["denoise", "judge", "--samples", &samples_short], &["samples_short.json", "sample 0", "64"]),
        row(&["denoise", "judge", "--samples", &samples, "--classifier", &gbnn], &["gbnn.fkm"]),
        // --- class labels out of range ---
        row(&["train", "mlp", "--data", &half_class, "--task", "classification", "--out", &m_out], &["half_class.csv", "row 1", "1.5"]),
        row(&["train", "mlp", "--data", &neg_class, "--task", "classification", "--out", &m_out], &["neg_class.csv", "row 1", "-1"]),
        row(&["train", "mlp", "--data", &good, "--test-data", &big_class, "--out", &m_out], &["big_class.csv", "row 2", "7"]),
        row(&["gbnn", "train", "--data", &neg_class, "--task", "classification", "--out", &m_out], &["neg_class.csv", "row 1", "-1"]),
        row(&["gbnn", "train", "--data", &good, "--test-data", &big_class, "--out", &m_out], &["big_class.csv", "row 2", "7"]),
        row(&["gbnn", "eval", "--model", &gbnn, "--data", &big_class], &["big_class.csv", "row 2", "7"]),
        row(&["gbnn", "eval", "--model", &gbnn, "--data", &half_class], &["half_class.csv", "row 1", "1.5"]),
        row(&["predict", "--model", &mlp, "--data", &big_class], &["big_class.csv", "row 2", "7"]),
        row(&["predict", "--model", &gbnn, "--data", &neg_class], &["neg_class.csv", "row 1", "-1"]),
        row(&["inspect", "--data", &half_class, "--task", "classification"], &["half_class.csv", "row 1", "1.5"]),
        row(&["bcd", "--problem", "logistic", "--lambda", "0.1", "--data", &big_class], &["big_class.csv", "row 2", "7"]),
        row(&["bcd", "--problem", "logistic-l1", "--lambda", "0.1", "--data", &half_class], &["half_class.csv", "row 1"]),
        row(&["bcd", "--problem", "softmax", "--lambda", "0.1", "--data", &neg_class], &["neg_class.csv", "row 1", "-1"]),
        row(&["bcd", "--problem", "softmax", "--lambda", "0.1", "--data", &half_class], &["half_class.csv", "row 1", "1.5"]),
        // --- models of the wrong kind ---
        row(&["gbnn", "eval", "--model", &mlp, "--data", &good], &["mlp.fkm", "kind", "mlp"]),
        row(&["predict", "--model", &other_kind, "--data", &good], &["other_kind.fkm", "kind", "other"]),
        row(&["predict", "--model", &nan_weight, "--data", &good], &["nan_weight.fkm", "standardize.mean", "not finite"]),
        row(&["export", "--model", &mlp, "--lang", "c", "--out", &mlp], &["--out", "model file itself"]),
        // --- outputs: missing directory (checked before the work: these would run for minutes) ---
        row(&["train", "mlp", "--data", &good, "--epochs", "10000000", "--out", &nodir("m.fkm")], &["no-such-dir", "--out"]),
        row(&["gbnn", "train", "--data", &good, "--steps", "1000000", "--out", &nodir("m.fkm")], &["no-such-dir", "--out"]),
        row(&["export", "--model", &mlp, "--lang", "rust", "--out", &nodir("m.rs")], &["no-such-dir", "--out"]),
        row(&["optim", "trace", "--steps", "10000000", "--plot", &nodir("t.png")], &["no-such-dir", "--plot"]),
        row(&["bcd", "--problem", "lasso", "--data", &good, "--lambda", "0.1", "--plot", &nodir("b.png")], &["no-such-dir", "--plot"]),
        row(&["sinkhorn", "--x", &pts, "--y", &pts, "--eps", "0.1", "--plan", &nodir("p.csv")], &["no-such-dir", "--plan"]),
        // --- outputs: a directory, or the input itself ---
        row(&["train", "mlp", "--data", &good, "--out", &fx.out.display().to_string()], &["--out", "directory"]),
        row(&["export", "--model", &mlp, "--lang", "c", "--out", &fx.dir.display().to_string()], &["--out", "directory"]),
    ]);
    t
}

#[test]
fn bad_input_table() {
    let fx = Fixtures::new();
    let table = cases(&fx);
    // Every case also with the global `--json` (machine-readable mode must fail the same way).
    let with_json: Vec<Case> = table
        .iter()
        .map(|c| Case {
            args: std::iter::once("--json".to_owned()).chain(c.args.iter().cloned()).collect(),
            want: c.want.clone(),
        })
        .collect();
    let runs: Vec<&Case> = table.iter().chain(&with_json).collect();
    let failures: Vec<String> = runs.iter().filter_map(|c| check(c, &fx)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad-input runs broke the contract:\n{}",
        failures.len(),
        runs.len(),
        failures.join("\n")
    );
    eprintln!("{} bad-input cases passed, with and without --json", table.len());
}
