//! The local time zone, from the C library (what `date` shows): the one clock call that is
//! not `Instant`/`SystemTime`.

/// A wall-clock instant broken down in the local zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// East of UTC.
    pub offset_seconds: i64,
}

/// `secs` since the Unix epoch in the local zone; `None` when the C library cannot say.
/// One of the crate's three unsafe sites (no safe binding of localtime_r in nix).
#[allow(unsafe_code)]
pub fn local_time(secs: i64) -> Option<LocalTime> {
    let secs = secs as nix::libc::time_t;
    // SAFETY: an all-zero tm is a valid value; localtime_r writes only into `tm`, and both
    // pointers are to live locals for the duration of the call.
    let (ok, tm) = unsafe {
        let mut tm: nix::libc::tm = std::mem::zeroed();
        (!nix::libc::localtime_r(&secs, &mut tm).is_null(), tm)
    };
    ok.then(|| LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
        offset_seconds: tm.tm_gmtoff,
    })
}
