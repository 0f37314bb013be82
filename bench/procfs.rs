//! What the benchmarks read of a process in /proc: CPU time and memory.

/// CPU seconds (user + system) of `pid` so far (clock ticks of 10 ms).
#[allow(dead_code)]
pub fn cpu_seconds(pid: i32) -> f64 {
    let (user, system) = cpu_ticks(pid);
    (user + system) as f64 / 100.0
}

/// (user, system) clock ticks of `pid` so far, its threads included (utime and stime of
/// /proc/PID/stat).
pub fn cpu_ticks(pid: i32) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
    (field(11), field(12))
}

/// (RSS, PSS) of `pid` in kB, from smaps_rollup: RSS counts shared pages in full, PSS
/// divides them among the processes that map them.
pub fn memory_kb(pid: i32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("Rss:"), field("Pss:"))
}

/// Nanoseconds `pid`'s live threads have run so far (/proc/PID/task/*/schedstat, first
/// field): the same CPU as `cpu_ticks` but exact, where ticks count in 10 ms steps.
#[allow(dead_code)]
pub fn cpu_ns(pid: i32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}
