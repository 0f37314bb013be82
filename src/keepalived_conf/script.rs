//! `vrrp_script` blocks and `track_script` lines, as keepalived 2.2.7 reads them
//! (vrrp_parser.c vrrp_vscript_*_handler, vrrp_track.c alloc_track_script).

use std::time::Duration;

use super::lexer::{script_command, Item, Loc};
use super::{number, unsupported};

/// One tracked script with its own settings, as keepalived keeps it per script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub name: String,
    /// The command as keepalived runs it (see lexer::script_command).
    pub argv: Vec<String>,
    /// Whole seconds; keepalived's default 1 s (vrrp_track.h VRRP_SCRIPT_DI).
    pub interval: Duration,
    /// keepalived's default is the interval (vrrp_scheduler.c: `timeout ? timeout : interval`).
    pub timeout: Duration,
    pub rise: u32,
    pub fall: u32,
    /// -253..=253: below 0 lowers the priority while failing, above 0 raises it while
    /// passing, 0 (the default) sends the instance to fault while failing.
    pub weight: i32,
    /// `weight W reverse`: the weight's effect turned round (a fault while passing for 0).
    pub reverse: bool,
    /// `init_fail`: failed until it first passes, instead of undecided.
    pub init_fail: bool,
    /// Said by --check: words keepalived drops, `user` ignored.
    pub notes: Vec<String>,
}

const SCRIPT_KEYWORDS: &[&str] = &[
    "script",
    "interval",
    "timeout",
    "weight",
    "rise",
    "fall",
    "user",
    "init_fail",
];

/// One `vrrp_script NAME { ... }` block.
pub fn read(block: &Item) -> Result<Script, (Loc, String)> {
    let name = block.args.first().cloned().unwrap_or_default();
    let mut s = Script {
        name: name.clone(),
        argv: Vec::new(),
        interval: Duration::from_secs(1),
        timeout: Duration::ZERO,
        rise: 1,
        fall: 1,
        weight: 0,
        reverse: false,
        init_fail: false,
        notes: Vec::new(),
    };
    let fail = |line: &Item, msg: String| (line.loc.clone(), format!("vrrp_script {name}: {msg}"));
    for line in block.block.iter().flatten() {
        let applied = match line.key.as_str() {
            "script" => command(&mut s, line),
            "interval" => whole_seconds(line, &mut s.notes, &name)
                .map(|d| s.interval = d.unwrap_or(s.interval)),
            "timeout" => {
                whole_seconds(line, &mut s.notes, &name).map(|d| s.timeout = d.unwrap_or(s.timeout))
            }
            "rise" => count(line).map(|n| s.rise = n),
            "fall" => count(line).map(|n| s.fall = n),
            "weight" => weight(&line.args, &line.key).map(|(w, r)| {
                s.weight = w;
                s.reverse = r;
            }),
            "init_fail" => {
                s.init_fail = true;
                Ok(())
            }
            "user" => {
                s.notes.push(format!(
                    "keepalived.conf: vrrp_script {name} 'user' accepted; vipflip runs it as itself"
                ));
                Ok(())
            }
            other => Err(unsupported(other, SCRIPT_KEYWORDS)),
        };
        applied.map_err(|msg| fail(line, msg))?;
    }
    if s.argv.is_empty() {
        return Err((
            block.loc.clone(),
            format!("vrrp_script {name} has no script"),
        ));
    }
    if s.timeout.is_zero() {
        s.timeout = s.interval;
    }
    Ok(s)
}

/// keepalived splits the line with quotes and escapes and runs its first word, split
/// again: `script killall -0 haproxy` runs `killall` alone (vrrp_parser.c
/// vrrp_vscript_script_handler), which --check says.
fn command(s: &mut Script, line: &Item) -> Result<(), String> {
    let (argv, dropped) = script_command(&line.raw)?;
    if argv.is_empty() {
        return Err("'script' needs a command".into());
    }
    if !dropped.is_empty() {
        s.notes.push(format!(
            "keepalived.conf: vrrp_script {}: keepalived runs only '{}' and drops '{}' (an unquoted command line): vipflip does the same; quote the whole command to run it",
            s.name,
            argv.join(" "),
            dropped.join(" ")
        ));
    }
    s.argv = argv;
    Ok(())
}

/// keepalived reads interval and timeout as whole seconds, 0 meaning 1; a value that is
/// not a whole number is ignored with an error in its log, and the default stays
/// (vrrp_parser.c vrrp_vscript_interval_handler, read_unsigned_strvec): `None` then, noted.
fn whole_seconds(
    line: &Item,
    notes: &mut Vec<String>,
    name: &str,
) -> Result<Option<Duration>, String> {
    let value = super::one_arg(line)?;
    match value.parse::<u64>() {
        Ok(n) => Ok(Some(Duration::from_secs(n.max(1)))),
        Err(_) => {
            notes.push(format!(
                "keepalived.conf: vrrp_script {name}: '{} {value}' is not whole seconds: keepalived ignores the line (and logs it), so does vipflip",
                line.key
            ));
            Ok(None)
        }
    }
}

fn count(line: &Item) -> Result<u32, String> {
    match number::<u32>(line)? {
        0 => Err(format!("'{}' must be at least 1", line.key)),
        n => Ok(n),
    }
}

/// `weight W [reverse]`: -253..=253; keepalived turns ±254 into ±253
/// (vrrp_track.c alloc_track_script).
pub fn weight(args: &[String], key: &str) -> Result<(i32, bool), String> {
    let (value, rest) = args
        .split_first()
        .ok_or_else(|| format!("'{key}' needs a value"))?;
    let w: i32 = value
        .parse()
        .map_err(|_| format!("'{key}' has a bad value '{value}'"))?;
    if !(-254..=254).contains(&w) {
        return Err(format!("weight {w} is outside -253..253"));
    }
    let reverse = match rest {
        [] => false,
        [r] if r == "reverse" => true,
        _ => return Err(format!("'{key}' takes a value and 'reverse' only")),
    };
    Ok((w.clamp(-253, 253), reverse))
}

/// Something a `track_*` block names: a vrrp_script or a vrrp_track_process.
pub trait Tracked: Sized {
    /// keepalived's word for the block ("vrrp_script").
    const BLOCK: &'static str;
    fn read(block: &Item) -> Result<Self, (Loc, String)>;
    fn name(&self) -> &str;
    fn reweigh(&mut self, weight: i32, reverse: bool);
}

impl Tracked for Script {
    const BLOCK: &'static str = "vrrp_script";
    fn read(block: &Item) -> Result<Self, (Loc, String)> {
        read(block)
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn reweigh(&mut self, weight: i32, reverse: bool) {
        (self.weight, self.reverse) = (weight, reverse);
    }
}

/// `track_script { NAME [weight W [reverse]] ... }` (or track_process): the blocks named,
/// with a line's weight over the block's own, a name twice counted once (vrrp_track.c
/// alloc_track_script, alloc_track_process: "duplicate ... - ignoring").
pub fn track<T: Tracked>(item: &Item, blocks: &[&Item]) -> Result<Vec<T>, String> {
    let mut out: Vec<T> = Vec::new();
    for line in item.block.iter().flatten() {
        let block = blocks
            .iter()
            .find(|s| s.args.first() == Some(&line.key))
            .ok_or_else(|| {
                format!(
                    "{} '{}' on {}: there is no {} of that name (keepalived would ignore it; fix the name)",
                    item.key, line.key, line.loc, T::BLOCK
                )
            })?;
        let Ok(mut tracked) = T::read(block) else {
            continue; // the block's own problem is reported once, by the file
        };
        match line.args.split_first() {
            None => {}
            Some((w, rest)) if w == "weight" => {
                let (weight, reverse) = weight(rest, "weight")
                    .map_err(|e| format!("{} on {}: {e}", item.key, line.loc))?;
                tracked.reweigh(weight, reverse);
            }
            Some(_) => {
                return Err(format!(
                    "{} on {}: only 'NAME [weight W [reverse]]' is supported",
                    item.key, line.loc
                ))
            }
        }
        if !out.iter().any(|t| t.name() == tracked.name()) {
            out.push(tracked);
        }
    }
    Ok(out)
}
