//! The one error type users see: `vipflip: <what failed>: <cause>` and a `hint:` line.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub what: String,
    pub cause: String,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(what: impl Into<String>, cause: impl fmt::Display) -> Self {
        Error {
            what: what.into(),
            cause: cause.to_string(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vipflip: {}: {}", self.what, self.cause)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// The hint for a missing capability, shared by every subcommand that needs one.
pub const ROOT_HINT: &str =
    "run as root, or grant the binary the capabilities: sudo setcap cap_net_admin,cap_net_raw+ep \"$(command -v vipflip)\"";
