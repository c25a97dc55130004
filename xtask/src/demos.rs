//! The table of firmware demos: name → firmware package/binary + the host-side computation.
//! Adding a demo = one row here (plus its function in ferrokern-demos and its firmware bin).

use ferrokern_demos::{DemoError, Summary};

/// Host-side run of a demo, writing the same text the firmware prints.
pub type HostRun = fn(&mut String) -> Result<Summary, DemoError>;

/// One demo.
pub struct Demo {
    /// Name used on the command line (`cargo xtask host-demo NAME`).
    pub name: &'static str,
    /// Cargo package of the firmware.
    pub package: &'static str,
    /// Binary (ELF) name inside that package.
    pub bin: &'static str,
    /// The same computation on the host.
    pub host: HostRun,
}

/// Host stand-in for the board's SysTick delay: an embedded-hal `DelayNs` that sleeps.
pub struct HostDelay;

impl ferrokern_demos::DelayNs for HostDelay {
    fn delay_ns(&mut self, ns: u32) {
        std::thread::sleep(std::time::Duration::from_nanos(u64::from(ns)));
    }
}

/// Every registered demo.
pub const DEMOS: &[Demo] = &[
    Demo {
        name: "linalg",
        package: "fw-linalg",
        bin: "fw-linalg",
        host: |out| ferrokern_demos::linalg(out, &mut HostDelay),
    },
    Demo {
        name: "lasso",
        package: "fw-lasso",
        bin: "fw-lasso",
        host: |out| ferrokern_demos::lasso(out, &mut HostDelay),
    },
    Demo { name: "finetune", package: "fw-finetune", bin: "fw-finetune", host: ferrokern_demos::finetune },
    Demo {
        name: "gbnn",
        package: "fw-gbnn",
        bin: "fw-gbnn",
        host: |out| ferrokern_demos::gbnn(out, &mut HostDelay),
    },
    Demo {
        name: "sinkhorn",
        package: "fw-sinkhorn",
        bin: "fw-sinkhorn",
        host: |out| ferrokern_demos::sinkhorn(out, &mut HostDelay),
    },
    Demo {
        name: "denoise",
        package: "fw-denoise",
        bin: "fw-denoise",
        host: |out| ferrokern_demos::denoise(out, &mut HostDelay),
    },
];

/// Looks a demo up by name.
pub fn find(name: &str) -> Option<&'static Demo> {
    DEMOS.iter().find(|d| d.name == name)
}
