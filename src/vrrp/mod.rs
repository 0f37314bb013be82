//! THE PROTOCOL, pure: the VRRP state machine of RFC 3768 (v2) and RFC 5798/9568 (v3), its
//! timers, and the receive checks. Driven by inputs and a time value given by the caller;
//! no sockets, no clock, no printing.

pub mod api;
pub mod checks;
pub mod machine;
mod prose;
pub mod survey;
pub mod timers;
pub mod track;

pub use machine::{is_owner, Action, Health, Input, Machine, Note, Params, Reason, State};
