//! The JSON lines every `--json` event is, and `vipflip status` serves: written field by
//! field (values escaped here, nowhere else), and read back flat, for the demo's children
//! and the schema check of events.rs. Not a JSON parser: it reads what `Json` wrote.
//!
//! Kept by hand rather than serde_json: the lines are flat objects of a few fields, the
//! writer is 60 lines, and the reader only ever reads this writer's output; serde_json
//! would add a crate and its code to every process for that.

/// A JSON object built field by field; values are escaped here, nowhere else.
#[derive(Debug, Default, Clone)]
pub struct Json {
    pub(crate) fields: Vec<String>,
}

pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Json {
    pub fn str(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.fields.push(format!(
            "{}:{}",
            json_string(key),
            json_string(&value.to_string())
        ));
        self
    }

    /// A number, boolean or nested JSON value, written as is.
    pub fn raw(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.fields.push(format!("{}:{}", json_string(key), value));
        self
    }

    pub fn list(self, key: &str, items: impl IntoIterator<Item = String>) -> Self {
        let items: Vec<String> = items.into_iter().map(|i| json_string(&i)).collect();
        self.raw(key, format!("[{}]", items.join(",")))
    }

    /// Every field of another object (`{...}` as `Json` wrote it), in order.
    pub fn fields_of(mut self, object: &str) -> Self {
        let inner = object.trim().trim_start_matches('{').trim_end_matches('}');
        if !inner.is_empty() {
            self.fields.push(inner.to_string());
        }
        self
    }

    pub fn finish(&self) -> String {
        format!("{{{}}}", self.fields.join(","))
    }
}

/// Reads field `key` back from one line that `Json` wrote (flat: what the demo reads from
/// its children's `--json`); string values unescaped, others as written. Not a JSON parser.
pub fn json_field(line: &str, key: &str) -> Option<String> {
    let pattern = format!("{}:", json_string(key));
    let at = line.find(&pattern)? + pattern.len();
    let rest = &line[at..];
    let Some(quoted) = rest.strip_prefix('"') else {
        return Some(raw_value(rest).to_string());
    };
    let mut out = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// The top-level fields of one line `Json` wrote: (name, value as written, strings quoted).
/// `None` when it is not a flat object of that form.
pub fn json_top_level(line: &str) -> Option<Vec<(String, String)>> {
    let mut rest = line.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut fields = Vec::new();
    while !rest.is_empty() {
        let after_quote = rest.strip_prefix('"')?;
        let end = after_quote.find("\":")?;
        let name = after_quote[..end].to_string();
        let value_text = &after_quote[end + 2..];
        let value = if value_text.starts_with('"') {
            let inner = json_field(&format!("{{\"v\":{value_text}"), "v")?;
            let written = json_string(&inner);
            value_text.get(..written.len())?.to_string()
        } else {
            raw_value(value_text).to_string()
        };
        rest = value_text[value.len()..]
            .strip_prefix(',')
            .unwrap_or(&value_text[value.len()..]);
        fields.push((name, value));
    }
    Some(fields)
}

/// A number, boolean or nested value at the start of `rest`: up to the `,` or `}` that
/// ends it, outside brackets and strings.
fn raw_value(rest: &str) -> &str {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ if in_string => {}
            '[' | '{' => depth += 1,
            ']' | '}' if depth > 0 => depth -= 1,
            ',' | '}' if depth == 0 => return &rest[..i],
            _ => {}
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_field_reads_back_what_json_wrote() {
        let line = Json::default()
            .str("event", "transition")
            .str("reason", "said \"hi\"\\ \"to\": x\n\u{1}")
            .raw("lost", 3)
            .str("to", "master")
            .finish();
        assert_eq!(json_field(&line, "event").as_deref(), Some("transition"));
        assert_eq!(
            json_field(&line, "reason").as_deref(),
            Some("said \"hi\"\\ \"to\": x\n\u{1}")
        );
        assert_eq!(json_field(&line, "lost").as_deref(), Some("3"));
        assert_eq!(json_field(&line, "to").as_deref(), Some("master"));
        assert_eq!(json_field(&line, "from"), None);
        let nested = r#"{"steps":[{"a":"x,]"},{"b":2}],"n":[1,2],"last":true}"#;
        assert_eq!(
            json_field(nested, "steps").as_deref(),
            Some(r#"[{"a":"x,]"},{"b":2}]"#)
        );
        assert_eq!(json_field(nested, "n").as_deref(), Some("[1,2]"));
        assert_eq!(json_field(nested, "last").as_deref(), Some("true"));
        assert_eq!(json_field("{\"to\":\"unterminated", "to"), None);
    }
}
