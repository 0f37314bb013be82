//! Parse, dispatch, map errors to exit codes.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;
use vipflip::cli::{Cli, Command};
use vipflip::error::Error;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    let result = match &cli.command {
        Command::Run(args) => vipflip::cmd::run::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Help and version print as clap renders them; usage errors get vipflip's one-line form.
fn clap_exit(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                2
            } else {
                0
            },
        );
    }
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    let cause = first.strip_prefix("error: ").unwrap_or(first);
    let hint = std::env::args()
        .nth(1)
        .filter(|s| !s.starts_with('-'))
        .map(|sub| format!("see 'vipflip {sub} --help'"))
        .unwrap_or_else(|| "see 'vipflip --help'".into());
    eprintln!("{}", Error::new("invalid arguments", cause).hint(hint));
    ExitCode::from(2)
}
