//! The C library's allocator, told how `vipflip run` uses it: a handful of threads that
//! allocate a little at start and almost nothing after, for days. glibc's defaults suit the
//! opposite (a heap per allocating thread; freed memory below 128 KB kept for reuse), and
//! leave a settled node holding what only its start needed (issue 21: RSS).
//!
//! One of the crate's three unsafe sites: nix has no binding of mallopt or malloc_trim.

/// One heap for every thread. Must come before the first thread is started: glibc gives
/// each thread that allocates a heap of its own (up to 8 per CPU), of which a settled node
/// keeps a few pages each. Nothing here allocates often enough to contend for one lock.
#[allow(unsafe_code)]
pub fn one_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt takes two integers and changes only the allocator's settings; no
    // pointer crosses the call.
    unsafe {
        nix::libc::mallopt(nix::libc::M_ARENA_MAX, 1);
    }
}

/// Gives the kernel back the pages that were freed since start (parsing, set-up), which
/// glibc would keep for the next allocation: a node that has started allocates little more.
#[allow(unsafe_code)]
pub fn return_freed() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim takes a size and works on the allocator's own state under its
    // locks; no pointer crosses the call.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}
