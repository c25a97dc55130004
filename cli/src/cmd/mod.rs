//! One file per subcommand. Each exposes `pub struct Args` (clap `Args` derive; may be empty)
//! and `pub fn run(args: Args, ctx: &Ctx) -> Result<()>`, which ends with `ctx.finish(…)`.
//! `main.rs` lists them in `enum Command`.

pub mod info;
pub mod inspect;
pub mod tour;
