//! The C library's allocator, told how `vipflip run` uses it: a handful of threads that
//! allocate a little at start and almost nothing after, for days. glibc's default suits the
//! opposite (a heap per allocating thread) and leaves a settled node holding a few pages in
//! each (issue 21: RSS).
//!
//! One of the crate's three unsafe sites: nix has no binding of mallopt.

/// One heap for every thread. Must come before the first thread is started: glibc gives
/// each thread that allocates a heap of its own (up to 8 per CPU), of which a settled node
/// keeps a few pages each (a node's anonymous memory: 392-396 kB so, 328-352 kB with one).
/// Nothing here allocates often enough to contend for one lock.
#[allow(unsafe_code)]
pub fn one_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt takes two integers and changes only the allocator's settings; no
    // pointer crosses the call.
    unsafe {
        nix::libc::mallopt(nix::libc::M_ARENA_MAX, 1);
    }
}
