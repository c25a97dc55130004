//! `cargo xtask retrain`: regenerates the model files the firmware embeds, through the CLI,
//! with the exact commands documented next to each file.

use crate::util::{cargo, run, Result};

/// Retrains `firmware-examples/gbnn/model/breast_cancer.fkm` (see its README for the settings).
pub fn retrain() -> Result<()> {
    run(&mut cargo(&[
        "run",
        "--release",
        "-p",
        "ferrokern-cli",
        "--",
        "--json",
        "gbnn",
        "train",
        "--data",
        "host-tests/data/breast_cancer.csv",
        "--test-rows",
        "host-tests/data/splits/breast_cancer_test.txt",
        "--steps",
        "100",
        "--units",
        "1",
        "--lr",
        "0.1",
        "--seed",
        "0",
        "--out",
        "firmware-examples/gbnn/model/breast_cancer.fkm",
    ]))
}
