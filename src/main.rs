//! Parse, dispatch, map errors to exit codes.

#![deny(unsafe_code)]

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;
use vipflip::cli::{Cli, Command};
use vipflip::error::Error;

fn main() -> ExitCode {
    let argv = match with_args_file(std::env::args_os().collect()) {
        Ok(argv) => argv,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    // A bug must still read like every other error, and exit 2. The unwind that follows
    // runs the drops that remove a VIP this process added.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "{}",
            Error::new("internal error", format!("{what}{at}"))
                .hint("this is a bug in vipflip; please report it with the command you ran")
        );
    }));
    let result = std::panic::catch_unwind(|| match &cli.command {
        Command::Run(args) => vipflip::cmd::run::run(args),
        Command::Release(args) => vipflip::cmd::release::release(args),
        Command::PingWatch(args) => vipflip::cmd::ping_watch::ping_watch(args),
        Command::Probe(args) => vipflip::cmd::probe::probe(args),
        Command::Demo(args) => vipflip::cmd::demo::demo(args),
        Command::Status(args) => vipflip::cmd::status::status(args),
    });
    match result {
        Ok(Ok(code)) => ExitCode::from(code as u8),
        Ok(Err(e)) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

/// `run --args-file FILE` replaced by the flags in FILE, where they stand (so flags after it
/// override it, as flags override --keepalived-conf).
fn with_args_file(argv: Vec<OsString>) -> Result<Vec<OsString>, Error> {
    if argv.get(1).is_none_or(|sub| sub != "run") {
        return Ok(argv);
    }
    let mut out = Vec::with_capacity(argv.len());
    let mut rest = argv.into_iter();
    while let Some(arg) = rest.next() {
        let path = match arg.to_str() {
            Some("--args-file") => rest.next(),
            Some(a) if a.starts_with("--args-file=") => Some(a["--args-file=".len()..].into()),
            _ => {
                out.push(arg);
                continue;
            }
        };
        let Some(path) = path else {
            return Err(Error::new("invalid arguments", "--args-file needs a FILE")
                .hint("see 'vipflip run --help'"));
        };
        let shown = path.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::new(format!("cannot read {shown}"), e)
                .hint("check the path given to --args-file")
        })?;
        let args = vipflip::cli::args_from_file(&text).map_err(|e| {
            Error::new(format!("cannot use {shown}"), e)
                .hint("one flag per line, its value the rest of the line, no quotes")
        })?;
        out.extend(args.into_iter().map(OsString::from));
    }
    Ok(out)
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
    if let Some(cause) = value_error(&e) {
        eprintln!(
            "{}",
            Error::new("invalid arguments", cause).hint(help_hint(None))
        );
        return ExitCode::from(2);
    }
    let rendered = e.render().to_string();
    let cause = rendered
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let cause = cause.strip_prefix("error: ").unwrap_or(&cause).to_string();
    let tip = rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("tip: "))
        .map(|t| format!("{t}; "));
    eprintln!(
        "{}",
        Error::new("invalid arguments", cause).hint(help_hint(tip))
    );
    ExitCode::from(2)
}

/// A flag's value that its parser refused, said as "--vrid must be 1 to 255, got 0".
fn value_error(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != ErrorKind::ValueValidation {
        return None;
    }
    let ContextValue::String(arg) = e.get(ContextKind::InvalidArg)? else {
        return None;
    };
    let flag = arg
        .split_whitespace()
        .next()
        .unwrap_or(arg)
        .trim_matches(['<', '>']);
    let why = std::error::Error::source(e)?.to_string();
    Some(if why.starts_with("must") {
        format!("{flag} {why}")
    } else {
        format!("{flag}: {why}")
    })
}

/// "see 'vipflip run --help'", after clap's tip if it has one.
fn help_hint(tip: Option<String>) -> String {
    let known = vipflip::cli::command()
        .get_subcommands()
        .any(|s| std::env::args().nth(1).as_deref() == Some(s.get_name()));
    let help = match std::env::args().nth(1) {
        Some(sub) if known => format!("see 'vipflip {sub} --help'"),
        _ => "see 'vipflip --help'".into(),
    };
    format!("{}{help}", tip.unwrap_or_default())
}
