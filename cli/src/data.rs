//! Data files: CSV loading with header detection and validation, held-out row splits,
//! standardisation statistics, and task / class-label detection.
//!
//! Conventions (shared by every subcommand): cells are separated by commas, blank lines are
//! skipped, the first row is a header when any of its cells is not a number, every other cell
//! must be a finite number, all rows have the same number of cells. For supervised commands the
//! last column is the target. Rows are numbered from 0 in messages (as in `--test-rows` files),
//! with the 1-based file line alongside.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{quote, CliError, Result};

/// A numeric table read from a file: row-major `rows × cols` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Where it came from (used in messages).
    pub source: PathBuf,
    /// Column names, if the file had a header row.
    pub header: Option<Vec<String>>,
    /// Number of data rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Row-major values, `rows · cols` of them.
    pub values: Vec<f64>,
}

impl Table {
    /// Row `i` (panics if out of range; callers index rows they counted).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// Name of column `j` for messages: the header name, or `column j` (0-based).
    pub fn column_name(&self, j: usize) -> String {
        match self.header.as_ref().and_then(|h| h.get(j)) {
            Some(name) => format!("column {j} ('{name}')"),
            None => format!("column {j}"),
        }
    }

    /// The rows listed in `idx` (in that order), as a new table.
    pub fn select_rows(&self, idx: &[usize]) -> Table {
        let mut values = Vec::with_capacity(idx.len() * self.cols);
        for &i in idx {
            values.extend_from_slice(self.row(i));
        }
        Table {
            source: self.source.clone(),
            header: self.header.clone(),
            rows: idx.len(),
            cols: self.cols,
            values,
        }
    }
}

/// Read and validate a CSV file (header detected, see the module docs).
pub fn load_csv(path: &Path) -> Result<Table> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::file(path, format!("cannot read: {e}")))?;
    parse_csv(&text, path)
}

/// Parse CSV text; `source` names it in messages.
pub fn parse_csv(text: &str, source: &Path) -> Result<Table> {
    let err = |msg: String| CliError::file(source, msg);
    // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first cell.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(n, l)| (n + 1, l.trim())).filter(|(_, l)| !l.is_empty());
    let Some((first_line, first)) = lines.next() else {
        return Err(err("is empty (no rows)".into()));
    };
    let first_cells: Vec<&str> = split_cells(first);
    let is_header = first_cells.iter().any(|c| c.parse::<f64>().is_err());
    let cols = first_cells.len();
    let mut header = None;
    let mut values = Vec::new();
    let mut rows = 0usize;
    if is_header {
        header = Some(first_cells.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>());
    }
    let data_lines = (!is_header).then_some((first_line, first)).into_iter().chain(lines);
    for (line_no, line) in data_lines {
        let cells = split_cells(line);
        if cells.len() != cols {
            return Err(err(format!(
                "row {rows} (line {line_no}) has {} columns, expected {cols} (as in line {first_line})",
                cells.len()
            )));
        }
        for (j, cell) in cells.iter().enumerate() {
            let place = || {
                let name = match header.as_ref().and_then(|h: &Vec<String>| h.get(j)) {
                    Some(n) => format!("column {j} ('{n}')"),
                    None => format!("column {j}"),
                };
                format!("row {rows} (line {line_no}), {name}")
            };
            if cell.is_empty() {
                return Err(err(format!("{}: empty cell", place())));
            }
            let v: f64 = cell.parse().map_err(|_| err(format!("{}: '{cell}' is not a number", place())))?;
            if !v.is_finite() {
                return Err(err(format!("{}: '{cell}' is not a finite number", place())));
            }
            values.push(v);
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(err("has a header but no data rows".into()));
    }
    Ok(Table { source: source.to_path_buf(), header, rows, cols, values })
}

/// Cells of a line, trimmed, with surrounding double quotes removed (`"1.5"` reads as 1.5).
fn split_cells(line: &str) -> Vec<&str> {
    line.split(',').map(|c| c.trim().trim_matches('"').trim()).collect()
}

/// Read a `--test-rows` file: 0-based row indices, one per line (blank lines skipped), each
/// `< n_rows`, no duplicates, not all rows. Returned sorted.
pub fn load_test_rows(path: &Path, n_rows: usize) -> Result<Vec<usize>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::file(path, format!("cannot read: {e}")))?;
    parse_test_rows(&text, path, n_rows)
}

/// Parse the text of a `--test-rows` file (see [`load_test_rows`]).
pub fn parse_test_rows(text: &str, source: &Path, n_rows: usize) -> Result<Vec<usize>> {
    let mut seen = vec![false; n_rows];
    let mut idx = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let cell = line.trim();
        if cell.is_empty() {
            continue;
        }
        let line_no = n + 1;
        let i: usize = cell.parse().map_err(|_| {
            CliError::file(source, format!("line {line_no}: '{cell}' is not a row index (0-based integer)"))
        })?;
        match seen.get_mut(i) {
            None => {
                return Err(CliError::file(
                    source,
                    format!("line {line_no}: row {i} is out of range (the data has {n_rows} rows, 0-based)"),
                ))
            }
            Some(true) => {
                return Err(CliError::file(source, format!("line {line_no}: row {i} is listed twice")))
            }
            Some(s) => *s = true,
        }
        idx.push(i);
    }
    if idx.is_empty() {
        return Err(CliError::file(source, "lists no rows"));
    }
    if idx.len() == n_rows {
        return Err(CliError::file(source, "holds out every row, leaving no training rows"));
    }
    idx.sort_unstable();
    Ok(idx)
}

/// Split `table` into (training rows, held-out rows) given sorted held-out indices.
pub fn split_rows(table: &Table, test_idx: &[usize]) -> (Table, Table) {
    let mut held = vec![false; table.rows];
    for &i in test_idx {
        held[i] = true;
    }
    let train_idx: Vec<usize> = (0..table.rows).filter(|&i| !held[i]).collect();
    (table.select_rows(&train_idx), table.select_rows(test_idx))
}

/// Supervised data: features `x` (row-major `rows × features`) and target `y`.
#[derive(Debug, Clone, PartialEq)]
pub struct Supervised {
    /// File the rows came from.
    pub source: PathBuf,
    /// Feature names (header without the target), if the file had a header.
    pub feature_names: Option<Vec<String>>,
    /// Number of rows.
    pub rows: usize,
    /// Number of features (columns minus the target).
    pub features: usize,
    /// Row-major features.
    pub x: Vec<f64>,
    /// Target, one per row.
    pub y: Vec<f64>,
}

impl Supervised {
    /// Split off the last column as the target. Needs at least 2 columns.
    pub fn from_table(t: &Table) -> Result<Self> {
        if t.cols < 2 {
            return Err(CliError::file(
                &t.source,
                format!(
                    "has {} column(s); supervised data needs features and a target (last column)",
                    t.cols
                ),
            ));
        }
        let features = t.cols - 1;
        let mut x = Vec::with_capacity(t.rows * features);
        let mut y = Vec::with_capacity(t.rows);
        for i in 0..t.rows {
            let (f, target) = t.row(i).split_at(features);
            x.extend_from_slice(f);
            y.push(target[0]);
        }
        let feature_names = t.header.as_ref().map(|h| h[..features].to_vec());
        Ok(Self { source: t.source.clone(), feature_names, rows: t.rows, features, x, y })
    }

    /// Row `i` of the features.
    pub fn x_row(&self, i: usize) -> &[f64] {
        &self.x[i * self.features..(i + 1) * self.features]
    }
}

/// Training and optional test data as given by `--data` with `--test-data` / `--test-rows`.
#[derive(Debug, Clone)]
pub struct Split {
    /// Training rows.
    pub train: Supervised,
    /// Held-out rows, if any were given.
    pub test: Option<Supervised>,
}

impl Split {
    /// Standardise training and held-out features with the training rows' statistics (or the
    /// identity when `enabled` is false, i.e. `--no-standardize`) and return the statistics to
    /// store with the model.
    pub fn standardize(&mut self, enabled: bool) -> Standardizer {
        let stats = if enabled {
            Standardizer::fit(&self.train.x, self.train.features)
        } else {
            Standardizer::identity(self.train.features)
        };
        stats.apply(&mut self.train.x);
        if let Some(t) = self.test.as_mut() {
            stats.apply(&mut t.x);
        }
        stats
    }
}

/// Load `--data` and the held-out part (`--test-data` file or `--test-rows` indices into
/// `--data`). The test file must have the same number of columns as the training file.
pub fn load_split(data: &Path, test_data: Option<&Path>, test_rows: Option<&Path>) -> Result<Split> {
    let table = load_csv(data)?;
    let (train, test) = match (test_data, test_rows) {
        (Some(_), Some(_)) => return Err(CliError::new("give either --test-data or --test-rows, not both")),
        (Some(p), None) => {
            let t = load_csv(p)?;
            if t.cols != table.cols {
                return Err(CliError::file(
                    p,
                    format!(
                        "has {} columns but the training data {} has {}",
                        t.cols,
                        quote(data),
                        table.cols
                    ),
                ));
            }
            (table, Some(t))
        }
        (None, Some(r)) => {
            let idx = load_test_rows(r, table.rows)?;
            let (a, b) = split_rows(&table, &idx);
            (a, Some(b))
        }
        (None, None) => (table, None),
    };
    Ok(Split {
        train: Supervised::from_table(&train)?,
        test: test.as_ref().map(Supervised::from_table).transpose()?,
    })
}

/// Per-feature mean and standard deviation of the training rows (population, ddof = 0), stored
/// with a model so that prediction applies the same transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Mean of each feature.
    pub mean: Vec<f64>,
    /// Standard deviation of each feature; a constant feature stores 1 (it is only centred).
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Statistics of row-major `x` with `cols` features (`x.len()` a multiple of `cols`, > 0 rows).
    pub fn fit(x: &[f64], cols: usize) -> Self {
        let rows = x.len() / cols.max(1);
        let n = rows.max(1) as f64;
        let mut mean = vec![0.0; cols];
        for row in x.chunks_exact(cols) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        // Two-pass variance (numerically sound for features with a large offset).
        let mut var = vec![0.0; cols];
        for row in x.chunks_exact(cols) {
            for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
                *s += (v - m) * (v - m);
            }
        }
        let std = var.iter().map(|s| (s / n).sqrt()).map(|s| if s > 0.0 { s } else { 1.0 }).collect();
        Self { mean, std }
    }

    /// The identity transform for `cols` features (used with `--no-standardize`).
    pub fn identity(cols: usize) -> Self {
        Self { mean: vec![0.0; cols], std: vec![1.0; cols] }
    }

    /// In place `x[i][j] = (x[i][j] − mean[j]) / std[j]` over row-major `x`.
    pub fn apply(&self, x: &mut [f64]) {
        for row in x.chunks_exact_mut(self.mean.len()) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }
}

/// What a supervised command learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Class labels 0, 1, …, K−1.
    Classification,
    /// Real-valued target.
    Regression,
}

impl Task {
    /// Lowercase name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
    }
}

/// Largest class label accepted (labels are 0..=MAX_LABEL).
pub const MAX_LABEL: usize = 255;
/// Detection treats a target as classes only if it has at most this many distinct values.
pub const MAX_DETECTED_CLASSES: usize = 64;

/// The task implied by the target: classification when every value is an integer in
/// `0..=MAX_LABEL` with at most `MAX_DETECTED_CLASSES` distinct values, else regression.
pub fn detect_task(y: &[f64]) -> Task {
    let mut seen = [false; MAX_LABEL + 1];
    for &v in y {
        match as_label(v) {
            Some(k) => seen[k] = true,
            None => return Task::Regression,
        }
    }
    if seen.iter().filter(|&&s| s).count() <= MAX_DETECTED_CLASSES {
        Task::Classification
    } else {
        Task::Regression
    }
}

fn as_label(v: f64) -> Option<usize> {
    (v >= 0.0 && v <= MAX_LABEL as f64 && v.fract() == 0.0).then_some(v as usize)
}

/// Class labels from the target, and the class count `K = max label + 1`. Errors name the row
/// of the first value that is not an integer in `0..=MAX_LABEL`.
pub fn class_labels(y: &[f64], source: &Path) -> Result<(Vec<usize>, usize)> {
    let mut labels = Vec::with_capacity(y.len());
    for (i, &v) in y.iter().enumerate() {
        let k = as_label(v).ok_or_else(|| {
            CliError::file(
                source,
                format!("row {i}: target {v} is not a class label (an integer in 0..={MAX_LABEL})"),
            )
        })?;
        labels.push(k);
    }
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    Ok((labels, classes))
}

/// Class labels of a target scored against `classes` known classes (a saved model's, or the
/// training rows'): as [`class_labels`], and every label must be `< classes`, so a label the
/// model cannot predict is reported with its row instead of silently counting as wrong.
pub fn class_labels_below(y: &[f64], source: &Path, classes: usize) -> Result<Vec<usize>> {
    let (labels, _) = class_labels(y, source)?;
    if let Some((i, k)) = labels.iter().enumerate().find(|(_, &k)| k >= classes) {
        return Err(CliError::file(
            source,
            format!(
                "row {i}: class {k} is out of range (the model knows classes 0..={})",
                classes.max(1) - 1
            ),
        ));
    }
    Ok(labels)
}

/// A binary target (logistic problems): every value must be 0 or 1; errors name the row.
pub fn binary_labels(y: &[f64], source: &Path) -> Result<()> {
    match y.iter().position(|&v| v != 0.0 && v != 1.0) {
        Some(i) => Err(CliError::file(source, format!("row {i}: target {} is not a 0/1 label", y[i]))),
        None => Ok(()),
    }
}

/// The task to use: `forced` if given, otherwise detected from `y`.
pub fn resolve_task(forced: Option<Task>, y: &[f64]) -> Task {
    forced.unwrap_or_else(|| detect_task(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Table> {
        parse_csv(text, Path::new("t.csv"))
    }

    #[test]
    fn header_detected_and_values_row_major() {
        let t = parse("a,b,y\n1,2,0\n3.5, -4e1 ,1\r\n\n").unwrap();
        assert_eq!(t.header.as_deref(), Some(&["a".to_owned(), "b".into(), "y".into()][..]));
        assert_eq!((t.rows, t.cols), (2, 3));
        assert_eq!(t.values, vec![1.0, 2.0, 0.0, 3.5, -40.0, 1.0]);
    }

    #[test]
    fn numeric_first_row_is_data() {
        let t = parse("1,2\n3,4\n").unwrap();
        assert!(t.header.is_none());
        assert_eq!((t.rows, t.cols), (2, 2));
        // Byte-order mark and quoted numbers (spreadsheet exports).
        let t = parse("\u{feff}1,\"2.5\"\n3,4\n").unwrap();
        assert!(t.header.is_none());
        assert_eq!(t.values, vec![1.0, 2.5, 3.0, 4.0]);
        let t = parse("\"a\",\"b\"\n1,2\n").unwrap();
        assert_eq!(t.header.unwrap(), vec!["a".to_owned(), "b".into()]);
    }

    #[test]
    fn bad_inputs_name_row_and_column() {
        let cases = [
            ("", "is empty"),
            ("\n\n", "is empty"),
            ("a,b\n", "header but no data rows"),
            ("a,b\n1,2\n3\n", "row 1 (line 3) has 1 columns, expected 2"),
            ("a,b\n1,x\n", "row 0 (line 2), column 1 ('b'): 'x' is not a number"),
            ("a,b\n1,NaN\n", "'NaN' is not a finite number"),
            ("1,2\n1,inf\n", "row 1 (line 2), column 1: 'inf' is not a finite number"),
            ("a,b\n1,\n", "empty cell"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with("'t.csv': "), "{e}");
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn test_rows_parse_and_split() {
        let p = Path::new("r.txt");
        assert_eq!(parse_test_rows("3\n\n0\n", p, 5).unwrap(), vec![0, 3]);
        for (text, want) in [
            ("5\n", "row 5 is out of range"),
            ("-1\n", "'-1' is not a row index"),
            ("1\n1\n", "listed twice"),
            ("\n", "lists no rows"),
            ("0\n1\n", "leaving no training rows"),
        ] {
            let n = if text == "0\n1\n" { 2 } else { 5 };
            let e = parse_test_rows(text, p, n).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let t = parse("1,10\n2,20\n3,30\n").unwrap();
        let (train, test) = split_rows(&t, &[1]);
        assert_eq!(train.values, vec![1.0, 10.0, 3.0, 30.0]);
        assert_eq!(test.values, vec![2.0, 20.0]);
    }

    #[test]
    fn supervised_splits_target() {
        let t = parse("a,b,y\n1,2,0\n3,4,1\n").unwrap();
        let s = Supervised::from_table(&t).unwrap();
        assert_eq!(s.x, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.y, vec![0.0, 1.0]);
        assert_eq!(s.x_row(1), &[3.0, 4.0]);
        assert!(Supervised::from_table(&parse("y\n1\n").unwrap()).is_err());
    }

    #[test]
    fn standardizer_closed_form() {
        // Column 0: {1, 3} → mean 2, population std 1. Column 1 constant → std stored as 1.
        let x = [1.0, 5.0, 3.0, 5.0];
        let s = Standardizer::fit(&x, 2);
        assert_eq!(s.mean, vec![2.0, 5.0]);
        assert_eq!(s.std, vec![1.0, 1.0]);
        let mut z = x;
        s.apply(&mut z);
        assert_eq!(z, [-1.0, 0.0, 1.0, 0.0]);
    }

    /// Independent reference: host-tests/data/breast_cancer_std.csv was standardised by NumPy
    /// over all rows with ddof = 0 (see host-tests/data/README.md).
    #[test]
    fn standardizer_matches_vendored_numpy_reference() {
        let raw =
            parse_csv(include_str!("../../host-tests/data/breast_cancer.csv"), Path::new("bc")).unwrap();
        let refd =
            parse_csv(include_str!("../../host-tests/data/breast_cancer_std.csv"), Path::new("bcs")).unwrap();
        let (raw, refd) = (Supervised::from_table(&raw).unwrap(), Supervised::from_table(&refd).unwrap());
        let mut x = raw.x.clone();
        Standardizer::fit(&x, raw.features).apply(&mut x);
        let worst = x.iter().zip(&refd.x).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-9, "max abs diff {worst}");
        assert_eq!(raw.y, refd.y);
    }

    #[test]
    fn split_standardizes_test_with_training_statistics() {
        let t = parse("a,y\n1,0\n3,1\n100,0\n").unwrap();
        let (train, test) = split_rows(&t, &[2]);
        let mut split = Split {
            train: Supervised::from_table(&train).unwrap(),
            test: Some(Supervised::from_table(&test).unwrap()),
        };
        let stats = split.standardize(true);
        assert_eq!((stats.mean[0], stats.std[0]), (2.0, 1.0));
        assert_eq!(split.train.x, vec![-1.0, 1.0]);
        assert_eq!(split.test.as_ref().unwrap().x, vec![98.0]);
        let mut raw = split.clone();
        raw.train.x = vec![1.0, 3.0];
        assert_eq!(raw.standardize(false), Standardizer::identity(1));
        assert_eq!(raw.train.x, vec![1.0, 3.0]);
    }

    #[test]
    fn task_detection() {
        assert_eq!(detect_task(&[0.0, 1.0, 1.0, 0.0]), Task::Classification);
        assert_eq!(detect_task(&[0.0, 9.0, 3.0]), Task::Classification);
        assert_eq!(detect_task(&[0.5, 1.0]), Task::Regression);
        assert_eq!(detect_task(&[-1.0, 1.0]), Task::Regression);
        assert_eq!(detect_task(&[0.0, 300.0]), Task::Regression);
        let many: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(detect_task(&many), Task::Regression);
        assert_eq!(resolve_task(Some(Task::Regression), &[0.0, 1.0]), Task::Regression);
    }

    #[test]
    fn labels_and_class_count() {
        let (l, k) = class_labels(&[2.0, 0.0, 2.0], Path::new("d.csv")).unwrap();
        assert_eq!((l, k), (vec![2, 0, 2], 3));
        let e = class_labels(&[0.0, 1.5], Path::new("d.csv")).unwrap_err().to_string();
        assert!(e.contains("'d.csv': row 1: target 1.5"), "{e}");
        assert_eq!(class_labels_below(&[1.0, 0.0], Path::new("d.csv"), 2).unwrap(), vec![1, 0]);
        let e = class_labels_below(&[1.0, 0.0, 7.0], Path::new("d.csv"), 2).unwrap_err().to_string();
        assert!(e.contains("'d.csv': row 2: class 7 is out of range") && e.contains("0..=1"), "{e}");
        binary_labels(&[0.0, 1.0, 1.0], Path::new("d.csv")).unwrap();
        let e = binary_labels(&[0.0, 2.0], Path::new("d.csv")).unwrap_err().to_string();
        assert!(e.contains("'d.csv': row 1: target 2 is not a 0/1 label"), "{e}");
    }

    /// The vendored data sets: digits and breast cancer are classification, diabetes (integer
    /// targets 25..346) is regression.
    #[test]
    fn vendored_data_tasks() {
        for (text, want, k) in [
            (include_str!("../../host-tests/data/digits.csv"), Task::Classification, 10),
            (include_str!("../../host-tests/data/breast_cancer.csv"), Task::Classification, 2),
            (include_str!("../../host-tests/data/diabetes.csv"), Task::Regression, 0),
        ] {
            let s = Supervised::from_table(&parse_csv(text, Path::new("v")).unwrap()).unwrap();
            assert_eq!(detect_task(&s.y), want);
            if want == Task::Classification {
                assert_eq!(class_labels(&s.y, Path::new("v")).unwrap().1, k);
            }
        }
    }
}
