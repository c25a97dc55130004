//! Shared fixtures of the `bcd_*` tests: the vendored data sets.
#![allow(dead_code)]

/// `host-tests/data/` (data sets and `reference/bcd/*.json`).
pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/");

/// `host-tests/data/NAME.csv` (header line, then rows of features with the target last) as
/// `(x row-major n × p, y, n, p)`.
pub fn load(name: &str) -> (Vec<f64>, Vec<f64>, usize, usize) {
    let text = std::fs::read_to_string(format!("{DATA}{name}.csv")).unwrap();
    let (mut x, mut y, mut p) = (Vec::new(), Vec::new(), 0);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        p = v.len() - 1;
        x.extend_from_slice(&v[..p]);
        y.push(v[p]);
    }
    let n = y.len();
    (x, y, n, p)
}
