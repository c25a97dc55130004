//! `ferrokern export --model MODEL.fkm --lang rust|c [--out FILE] [--name IDENT]`: the model
//! file as source code — a static, 16-byte aligned byte array plus its size — to compile into
//! firmware and read there with `ferrokern::model::Model::parse` (no file system needed).

use std::path::PathBuf;

use clap::ValueEnum;
use ferrokern::model::{to_c_source, to_rust_source, Model};
use serde_json::json;

use crate::error::{CliError, Result};
use crate::fsio;
use crate::output::Ctx;

/// Target language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// `pub static IDENT: &[u8]` (aligned wrapper).
    Rust,
    /// `const unsigned char ident[N]` + `ident_len`.
    C,
}

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Model file to embed (any kind; it is validated first).
    #[arg(long, value_name = "MODEL.fkm")]
    model: PathBuf,
    /// Source language.
    #[arg(long, value_enum)]
    lang: Lang,
    /// Output file (default: the model path with `.rs` / `.c`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Identifier of the array (default: `MODEL` for Rust, `model` for C).
    #[arg(long)]
    name: Option<String>,
}

/// `--name` must be a C and Rust identifier: an ASCII letter or `_`, then letters, digits, `_`.
fn check_identifier(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(CliError::param(
            "name",
            format!("'{name}' is not an identifier (letters, digits, '_'; not starting with a digit)"),
        ))
    }
}

/// Run `export`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    if let Some(out) = &args.out {
        fsio::check_output(out, "out")?;
    }
    if let Some(name) = &args.name {
        check_identifier(name)?;
    }
    let path = &args.model;
    let bytes = std::fs::read(path).map_err(|e| CliError::file(path, format!("cannot read: {e}")))?;
    let model =
        Model::parse(&bytes).map_err(|e| CliError::file(path, format!("not a valid model file: {e}")))?;
    let kind = model.kind().to_owned();
    let (ext, default_name) = match args.lang {
        Lang::Rust => ("rs", "MODEL"),
        Lang::C => ("c", "model"),
    };
    let name = args.name.unwrap_or_else(|| default_name.to_owned());
    let source = match args.lang {
        Lang::Rust => to_rust_source(&bytes, &name),
        Lang::C => to_c_source(&bytes, &name),
    };
    let out = args.out.unwrap_or_else(|| path.with_extension(ext));
    if out == *path {
        return Err(CliError::param(
            "out",
            format!("{} is the model file itself", crate::error::quote(&out)),
        ));
    }
    fsio::write_bytes_atomic(&out, source.as_bytes())?;
    let fields = json!({
        "kind": kind,
        "lang": ext,
        "bytes": bytes.len(),
        "out": out.display().to_string(),
    });
    ctx.finish(0.0, fields, || format!("{kind} model, {} bytes -> {}", bytes.len(), out.display()))
}
