//! keepalived.conf's lexer, as keepalived 2.2.7 reads a file (lib/parser.c): comments,
//! line continuation, `include` with globs, braces, double-quoted words; and the second,
//! quote- and escape-aware splitter keepalived uses for script command lines
//! (alloc_strvec_quoted_escaped). Pure: included files come through `Files`.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where an item was written: the line, and the included file when not the main one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loc {
    pub file: Option<String>,
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file} line {}", self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// A keyword with its arguments and, if it opens one, its block. `raw` is the text the
/// words came from, for the script keywords that keepalived splits a second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub loc: Loc,
    pub key: String,
    pub args: Vec<String>,
    pub raw: String,
    pub block: Option<Vec<Item>>,
}

/// What `include` reads: the files a pattern names (sorted, as glob(3) gives them) and
/// their text. The real one is the file system; tests give a map.
pub trait Files {
    fn glob(&self, pattern: &Path) -> Result<Vec<PathBuf>, String>;
    fn read(&self, path: &Path) -> Result<String, String>;
    /// keepalived's config id for `@ID` lines: `-i ID`, else the host name (main.c).
    fn config_id(&self) -> Option<String> {
        None
    }
}

/// No file but the text given: an `include` is a problem.
pub struct NoFiles;

impl Files for NoFiles {
    fn glob(&self, pattern: &Path) -> Result<Vec<PathBuf>, String> {
        Err(format!(
            "cannot include {}: give the file's path, not its text",
            pattern.display()
        ))
    }
    fn read(&self, path: &Path) -> Result<String, String> {
        Err(format!("cannot read {}", path.display()))
    }
}

/// keepalived stops following includes this deep (a file including itself).
const MAX_INCLUDE_DEPTH: usize = 32;

/// One logical line: decommented, continuation joined, includes expanded, at its place.
struct Line {
    loc: Loc,
    text: String,
}

/// The items of `text` (read from `path`, if it is a file), nested by braces.
pub fn parse(
    text: &str,
    path: Option<&Path>,
    files: &dyn Files,
) -> Result<Vec<Item>, Vec<(Loc, String)>> {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    read_lines(text, path, None, files, 0, &mut lines, &mut problems);
    let items = nest(&lines, &mut problems);
    if problems.is_empty() {
        Ok(items)
    } else {
        Err(problems)
    }
}

/// Physical lines into logical ones (parser.c read_line: decomment, a trailing `\`
/// continues the line, `include PATTERN` is replaced by the files it names).
fn read_lines(
    text: &str,
    path: Option<&Path>,
    shown: Option<&str>,
    files: &dyn Files,
    depth: usize,
    out: &mut Vec<Line>,
    problems: &mut Vec<(Loc, String)>,
) {
    let mut pending: Option<(usize, String)> = None;
    for (n, physical) in text.lines().enumerate() {
        let (mut code, continues) = decomment(physical);
        let first = match pending.take() {
            Some((first, before)) => {
                code = format!("{before} {code}");
                first
            }
            None => n + 1,
        };
        if continues {
            pending = Some((first, code));
            continue;
        }
        let loc = Loc {
            file: shown.map(str::to_string),
            line: first,
        };
        let Some(code) = conditional(&code, files) else {
            continue;
        };
        if code.is_empty() {
            continue;
        }
        match include_pattern(&code) {
            Some(pattern) => include(pattern, path, &loc, files, depth, out, problems),
            None => out.push(Line { loc, text: code }),
        }
    }
    if let Some((first, code)) = pending.filter(|(_, c)| !c.is_empty()) {
        let loc = Loc {
            file: shown.map(str::to_string),
            line: first,
        };
        out.push(Line { loc, text: code });
    }
}

/// parser.c read_line: a line `@ID rest` counts (as `rest`) only where the config id is
/// ID, `@^ID rest` only where it is not; `None` when it does not count here.
fn conditional(code: &str, files: &dyn Files) -> Option<String> {
    let Some(tagged) = code.strip_prefix('@') else {
        return Some(code.to_string());
    };
    let (reverse, tagged) = match tagged.strip_prefix('^') {
        Some(t) => (true, t),
        None => (false, tagged),
    };
    let (id, rest) = tagged.split_once([' ', '\t'])?;
    let matches = files.config_id().as_deref() == Some(id);
    (matches != reverse).then(|| rest.trim_start().to_string())
}

/// `include PATTERN`: keepalived's `includer`, `includea` ... variants only change which
/// problems it reports, so they read the same here.
fn include_pattern(code: &str) -> Option<&str> {
    let rest = code.strip_prefix("include")?;
    let rest = match rest.chars().next() {
        Some(c) if c.is_whitespace() => rest,
        Some('r' | 'a' | 'w' | 'm' | 'b') if rest[1..].starts_with([' ', '\t']) => &rest[1..],
        _ => return None,
    };
    Some(rest.trim()).filter(|p| !p.is_empty())
}

/// A relative pattern is taken from the including file's directory: keepalived chdir()s
/// there while it reads a file (parser.c open_conf_file). No match is no problem.
fn include(
    pattern: &str,
    path: Option<&Path>,
    loc: &Loc,
    files: &dyn Files,
    depth: usize,
    out: &mut Vec<Line>,
    problems: &mut Vec<(Loc, String)>,
) {
    if depth >= MAX_INCLUDE_DEPTH {
        problems.push((loc.clone(), format!("include {pattern}: includes nest deeper than {MAX_INCLUDE_DEPTH} (does a file include itself?)")));
        return;
    }
    let pattern = Path::new(pattern);
    let full = match path.and_then(Path::parent) {
        Some(dir) if pattern.is_relative() => dir.join(pattern),
        _ => pattern.to_path_buf(),
    };
    let matches = match files.glob(&full) {
        Ok(m) => m,
        Err(e) => return problems.push((loc.clone(), format!("include: {e}"))),
    };
    for file in matches {
        match files.read(&file) {
            Ok(text) => {
                let shown = file.display().to_string();
                read_lines(
                    &text,
                    Some(&file),
                    Some(&shown),
                    files,
                    depth + 1,
                    out,
                    problems,
                );
            }
            Err(e) => problems.push((loc.clone(), format!("include: {e}"))),
        }
    }
}

/// parser.c decomment(): `#` or `!` outside double quotes starts a comment (single quotes
/// do not protect them), `\#` and `\!` outside quotes stand for the character itself, a
/// trailing `\` continues the line; leading and trailing blanks go. Returns the code and
/// whether the line continues.
pub fn decomment(line: &str) -> (String, bool) {
    let line = line.trim_start_matches([' ', '\t']);
    let mut out = String::with_capacity(line.len());
    let mut quote = false;
    let mut chars = line.chars().peekable();
    let mut continues = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quote = !quote;
                out.push(c);
            }
            '\\' => match chars.next() {
                Some(next @ ('#' | '!')) if !quote => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => {
                    continues = true;
                    break;
                }
            },
            '#' | '!' if !quote => break,
            c => out.push(c),
        }
    }
    let trimmed = out.trim_end_matches([' ', '\t']).to_string();
    (trimmed, continues)
}

/// Lines into nested items: a `{` or `}` outside double quotes is a token of its own
/// (parser.c splits the line there), a keyword followed by `{` opens a block.
fn nest(lines: &[Line], problems: &mut Vec<(Loc, String)>) -> Vec<Item> {
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    for line in lines {
        for segment in split_braces(&line.text) {
            match segment {
                Segment::Open => match stack.last_mut().and_then(|items| items.last_mut()) {
                    Some(item) if item.block.is_none() => {
                        item.block = Some(Vec::new());
                        stack.push(Vec::new());
                    }
                    _ => problems.push((line.loc.clone(), "'{' with no keyword before it".into())),
                },
                Segment::Close => {
                    if stack.len() < 2 {
                        problems.push((line.loc.clone(), "'}' without a matching '{'".into()));
                        continue;
                    }
                    let block = stack.pop().unwrap_or_default();
                    if let Some(item) = stack.last_mut().and_then(|items| items.last_mut()) {
                        item.block = Some(block);
                    }
                }
                Segment::Words(raw) => {
                    let words = words(&raw);
                    if let Some((key, args)) = words.split_first() {
                        if let Some(items) = stack.last_mut() {
                            items.push(Item {
                                loc: line.loc.clone(),
                                key: key.clone(),
                                args: args.to_vec(),
                                raw,
                                block: None,
                            });
                        }
                    }
                }
            }
        }
    }
    if stack.len() != 1 {
        problems.push((Loc::default(), "a '{' is never closed".into()));
    }
    stack.into_iter().next().unwrap_or_default()
}

enum Segment {
    Open,
    Close,
    Words(String),
}

fn split_braces(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote = false;
    let flush = |current: &mut String, out: &mut Vec<Segment>| {
        if !current.trim().is_empty() {
            out.push(Segment::Words(current.trim().to_string()));
        }
        current.clear();
    };
    for c in text.chars() {
        match c {
            '"' => {
                quote = !quote;
                current.push(c);
            }
            '{' if !quote => {
                flush(&mut current, &mut out);
                out.push(Segment::Open);
            }
            '}' if !quote => {
                flush(&mut current, &mut out);
                out.push(Segment::Close);
            }
            c => current.push(c),
        }
    }
    flush(&mut current, &mut out);
    out
}

/// parser.c alloc_strvec_r(): words split at white space; a word that starts with `"` runs
/// to the next `"`, quotes dropped, no escapes.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => {
                    out.push(quoted[..end].to_string());
                    rest = &quoted[end + 1..];
                }
                None => {
                    out.push(quoted.to_string());
                    break;
                }
            }
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

/// parser.c alloc_strvec_quoted_escaped(): words split at white space, where single or
/// double quotes group and backslash escapes (`\n`, `\t`, `\x41`, `\101`, `\cX`, `\"` ...)
/// work inside and outside quotes. An unclosed quote is an error, as in keepalived.
pub fn words_quoted_escaped(text: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while i < chars.len() {
            let c = chars[i];
            match (quote, c) {
                (_, '\\') => {
                    let (ch, used) = escape(&chars[i + 1..])
                        .ok_or_else(|| format!("'{text}': a '\\' ends the line"))?;
                    word.push(ch);
                    i += 1 + used;
                    continue;
                }
                (Some(q), c) if c == q => quote = None,
                (None, '"' | '\'') => quote = Some(c),
                (None, c) if c.is_whitespace() => break,
                (_, c) => word.push(c),
            }
            i += 1;
        }
        if let Some(q) = quote {
            return Err(format!("'{text}': missing terminating {q}"));
        }
        out.push(word);
    }
    Ok(out)
}

/// One escape after a `\`: the character and how many characters it used.
fn escape(after: &[char]) -> Option<(char, usize)> {
    let first = *after.first()?;
    let digits = |radix: u32, max: usize| {
        after[1..]
            .iter()
            .take(max)
            .take_while(|c| c.is_digit(radix))
            .count()
    };
    match first {
        'x' if after.get(1).is_some_and(|c| c.is_ascii_hexdigit()) => {
            let n = digits(16, usize::MAX);
            let value: String = after[1..=n].iter().collect();
            let byte = u32::from_str_radix(&value, 16)
                .map(|v| v & 0xff)
                .unwrap_or(0);
            Some((char::from_u32(byte).unwrap_or('?'), 1 + n))
        }
        'c' if after.len() > 1 => Some((char::from((after[1] as u32 & 0x1f) as u8), 2)),
        '0'..='7' => {
            let n = 1 + after[1..]
                .iter()
                .take(2)
                .take_while(|c| ('0'..='7').contains(c))
                .count();
            let value: String = after[..n].iter().collect();
            let byte = u32::from_str_radix(&value, 8)
                .map(|v| v & 0xff)
                .unwrap_or(0);
            Some((char::from_u32(byte).unwrap_or('?'), n))
        }
        'a' => Some(('\x07', 1)),
        'b' => Some(('\x08', 1)),
        'E' => Some(('\x1b', 1)),
        'f' => Some(('\x0c', 1)),
        'n' => Some(('\n', 1)),
        'r' => Some(('\r', 1)),
        't' => Some(('\t', 1)),
        'v' => Some(('\x0b', 1)),
        other => Some((other, 1)),
    }
}

/// A script keyword's command as keepalived runs it (notify.c set_script_params_array):
/// the line is split with quotes and escapes, its first word after the keyword is split
/// again, and that is the command line. Later words are `[user [group]]` for notify
/// scripts and ignored for `script`. Returns (argv, later words).
pub fn script_command(raw: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let line = words_quoted_escaped(raw)?;
    let Some(first) = line.get(1) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let argv = words_quoted_escaped(first)?;
    Ok((argv, line[2..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// keepalived's parser.c decomment(), on the cases its code distinguishes.
    #[test]
    fn comments_as_keepalived_decomment_reads_them() {
        assert_eq!(
            decomment("  priority 100 # high"),
            ("priority 100".into(), false)
        );
        assert_eq!(
            decomment("priority 100 ! high"),
            ("priority 100".into(), false)
        );
        assert_eq!(
            decomment(r#"script "grep -c '#' /etc/x""#),
            (r#"script "grep -c '#' /etc/x""#.into(), false),
            "inside double quotes # is text"
        );
        assert_eq!(
            decomment("script 'grep -c # x'"),
            ("script 'grep -c".into(), false),
            "single quotes do not protect a comment sign"
        );
        assert_eq!(
            decomment(r"auth_pass a\#b"),
            ("auth_pass a#b".into(), false)
        );
        assert_eq!(decomment("priority \\"), ("priority".into(), true));
        let joined = parse("priority \\\n  100\n", None, &NoFiles).unwrap();
        assert_eq!(joined[0].args, vec!["100"]);
    }

    #[test]
    fn words_as_alloc_strvec_splits_them() {
        assert_eq!(
            words(r#"script "/bin/sh -c 'exit 0'" x"#),
            vec!["script", "/bin/sh -c 'exit 0'", "x"]
        );
        assert_eq!(words("a\tb  c"), vec!["a", "b", "c"]);
    }

    /// notify.c set_script_params_array() with parser.c alloc_strvec_quoted_escaped().
    #[test]
    fn script_commands_as_keepalived_splits_them() {
        let (argv, rest) = script_command(r#"script "/bin/sh -c 'exit 0'""#).unwrap();
        assert_eq!(argv, vec!["/bin/sh", "-c", "exit 0"]);
        assert!(rest.is_empty());
        let (argv, rest) = script_command("script killall -0 haproxy").unwrap();
        assert_eq!(argv, vec!["killall"], "only the first word is the command");
        assert_eq!(rest, vec!["-0", "haproxy"]);
        let (argv, rest) =
            script_command(r#"notify_master "/etc/keepalived/notify.sh master" root"#).unwrap();
        assert_eq!(argv, vec!["/etc/keepalived/notify.sh", "master"]);
        assert_eq!(rest, vec!["root"]);
        // Escapes are resolved by the first split, so the second splits at them again.
        let (argv, _) = script_command(r#"script "/bin/echo a\ b \x41\101\tz""#).unwrap();
        assert_eq!(argv, vec!["/bin/echo", "a", "b", "AA", "z"]);
        let (argv, _) = script_command(r#"script "/bin/echo 'a b'""#).unwrap();
        assert_eq!(argv, vec!["/bin/echo", "a b"]);
        assert!(script_command(r#"script "/bin/sh -c 'exit 0""#)
            .unwrap_err()
            .contains("missing terminating '"));
    }

    struct Map(BTreeMap<&'static str, &'static str>);

    impl Files for Map {
        fn glob(&self, pattern: &Path) -> Result<Vec<PathBuf>, String> {
            let mut clean = PathBuf::new();
            for part in pattern.components() {
                match part {
                    std::path::Component::ParentDir => {
                        clean.pop();
                    }
                    other => clean.push(other),
                }
            }
            let p = clean.to_string_lossy();
            let (head, tail) = p.split_once('*').unwrap_or((&p, ""));
            Ok(self
                .0
                .keys()
                .filter(|k| {
                    if p.contains('*') {
                        k.starts_with(head) && k.ends_with(tail)
                    } else {
                        **k == p
                    }
                })
                .map(PathBuf::from)
                .collect())
        }
        fn read(&self, path: &Path) -> Result<String, String> {
            self.0
                .get(path.to_string_lossy().as_ref())
                .map(|s| s.to_string())
                .ok_or_else(|| "no such file".into())
        }
    }

    #[test]
    fn includes_follow_globs_from_the_including_files_directory() {
        let files = Map(BTreeMap::from([
            (
                "/etc/keepalived/conf.d/b.conf",
                "vrrp_instance B {\n  priority 2\n}\n",
            ),
            (
                "/etc/keepalived/conf.d/a.conf",
                "vrrp_instance A {\n  include ../prio.inc\n}\n",
            ),
            ("/etc/keepalived/prio.inc", "priority 1\n"),
        ]));
        let main = "global_defs {\n}\ninclude conf.d/*.conf\ninclude none/*.conf\n";
        let items = parse(
            main,
            Some(Path::new("/etc/keepalived/keepalived.conf")),
            &files,
        )
        .unwrap();
        let names: Vec<_> = items.iter().map(|i| i.args.join(" ")).collect();
        assert_eq!(names, vec!["", "A", "B"], "sorted, as glob(3) gives them");
        let prio = &items[1].block.as_ref().unwrap()[0];
        assert_eq!(prio.args, vec!["1"]);
        assert_eq!(prio.loc.to_string(), "/etc/keepalived/prio.inc line 1");
    }

    /// parser.c read_line's `@ID` lines, with keepalived's default config id, the host name.
    #[test]
    fn conditional_lines_follow_the_config_id() {
        struct Id;
        impl Files for Id {
            fn glob(&self, _: &Path) -> Result<Vec<PathBuf>, String> {
                Ok(Vec::new())
            }
            fn read(&self, _: &Path) -> Result<String, String> {
                Err(String::new())
            }
            fn config_id(&self) -> Option<String> {
                Some("high".into())
            }
        }
        let text =
            "@high priority 200\n@low priority 100\n@^low advert_int 2\n@^high advert_int 3\n";
        let items = parse(text, None, &Id).unwrap();
        let got: Vec<String> = items
            .iter()
            .map(|i| format!("{} {}", i.key, i.args.join(" ")))
            .collect();
        assert_eq!(got, vec!["priority 200", "advert_int 2"]);
        assert!(parse("@high priority 200\n", None, &NoFiles)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn braces_anywhere_outside_quotes() {
        let items = parse(
            "vrrp_instance A { priority 1 }\nx \"{\" {\n}\n",
            None,
            &NoFiles,
        )
        .unwrap();
        assert_eq!(items[0].block.as_ref().unwrap()[0].args, vec!["1"]);
        assert_eq!(items[1].args, vec!["{"]);
        let err = parse("}\n", None, &NoFiles).unwrap_err();
        assert_eq!(err[0].1, "'}' without a matching '{'");
    }
}
