//! `phalanx pattern check` and `phalanx pattern eval`: tools for people who write indicators.

use std::io::{BufRead as _, BufWriter, Write as _};
use std::process::ExitCode;

use anyhow::{Context, Result};
use phalanx_pattern::{Pattern, Severity};

use crate::cli::PatternCommand;

/// Runs a `pattern` subcommand.
pub fn run(command: PatternCommand) -> Result<ExitCode> {
    match command {
        PatternCommand::Check { pattern } => Ok(check(&pattern)),
        PatternCommand::Eval => eval(),
    }
}

/// Parses, explains errors with a caret under the column, lists diagnostics, prints the
/// canonical form. Exit 1 when the pattern is invalid.
fn check(text: &str) -> ExitCode {
    let pattern = match Pattern::parse(text) {
        Ok(pattern) => pattern,
        Err(error) => {
            println!("invalid pattern: {error}");
            if !text.contains('\n') {
                println!("  {text}");
                println!("  {}^", " ".repeat(error.column().saturating_sub(1)));
            }
            return ExitCode::FAILURE;
        }
    };
    let diagnostics = phalanx_pattern::check(&pattern);
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    for d in &diagnostics {
        println!("{d}");
    }
    if errors > 0 {
        println!("invalid pattern: {errors} error(s)");
        return ExitCode::FAILURE;
    }
    println!("canonical: {pattern}");
    ExitCode::SUCCESS
}

/// The line protocol: one JSON request per stdin line, one verdict per stdout line.
fn eval() -> Result<ExitCode> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.lines() {
        let line = line.context("cannot read standard input (is it UTF-8?)")?;
        if line.trim().is_empty() {
            continue;
        }
        let verdict = phalanx_pattern::eval_line(&line);
        serde_json::to_writer(&mut out, &verdict)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
