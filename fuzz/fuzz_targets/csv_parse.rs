//! Fuzzes the CLI's CSV reader (`ferrokern_cli::data::parse_csv`) and what every subcommand
//! does next with a table (`Supervised::from_table`, task detection, class labels,
//! standardisation, `--test-rows` parsing and splitting): arbitrary text must give `Ok` with
//! a consistent table or an `Err` message, never a panic.
#![no_main]

use ferrokern_cli::data::{
    class_labels, detect_task, parse_csv, parse_test_rows, split_rows, Standardizer, Supervised,
};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Path::new("fuzz.csv");
    let Ok(table) = parse_csv(text, source) else { return };
    assert_eq!(table.values.len(), table.rows * table.cols);
    assert!(table.values.iter().all(|v| v.is_finite()));
    for i in 0..table.rows {
        assert_eq!(table.row(i).len(), table.cols);
    }
    for j in 0..table.cols {
        let _ = table.column_name(j);
    }
    if let Ok(idx) = parse_test_rows(text, source, table.rows) {
        assert!(idx.iter().all(|&i| i < table.rows));
        let (train, test) = split_rows(&table, &idx);
        assert_eq!(train.rows + test.rows, table.rows);
    }
    let Ok(sup) = Supervised::from_table(&table) else { return };
    assert_eq!(sup.x.len(), sup.rows * sup.features);
    let _ = detect_task(&sup.y);
    if let Ok((labels, classes)) = class_labels(&sup.y, source) {
        assert!(labels.iter().all(|&c| c < classes));
    }
    if sup.features > 0 {
        let st = Standardizer::fit(&sup.x, sup.features);
        let mut x = sup.x.clone();
        st.apply(&mut x);
        assert!(x.iter().all(|v| v.is_finite()), "standardised a finite table into non-finite values");
    }
});
