#!/usr/bin/env python3
"""Sums a `perf record` profile of one vipflip node into where its time goes (kernel
scheduling, the kernel's send/receive path, allocation, formatting, the VRRP logic...), by
symbol name. bench/profile.sh runs it; by hand: bench/perf_categories.py PERF.DATA..."""
import sys,re,subprocess
def cats(data):
    out=subprocess.run(['perf','report','-i',data,'--no-children','--sort','sym','--stdio','-g','none','-q'],capture_output=True,text=True).stdout
    total=0; c={}
    rules=[('scheduling and wake-ups (kernel)',r'finish_task_switch|__schedule|schedule|futex|_raw_spin_unlock_irqrestore|try_to_wake|ttwu|do_syscall_64|exit_to_user|entry_SYSCALL|syscall_return|__rseq|restore_fpregs|switch_fpu'),
           ('poll and wait (kernel)',r'poll|fdget|__pollwait|poll_freewait|sock_poll'),
           ('send/receive path (kernel)',r'sendto|inet_|fib_|ipv4_|import_ubuf|process_backlog|handle_softirqs|siphash|get_random|ip_|raw_|udp|sock_|skb|netif|dev_|veth|__ip|xfrm|eth_type|__dev|kmem|copy_|__check_object|__virt|check_heap|is_vmalloc|mc_|fib|neigh|net_rx|softirq|bpf|_copy|__sys_|sendmsg|recvmsg|__get_user|getpid|__task_pid'),
           ('allocation (malloc/free)',r'malloc|free|realloc|calloc|alloc::raw_vec|grow_amortized|deallocate|RawVec'),
           ('formatting and JSON',r'fmt|json|Formatter|write_str|format|join|Display|to_string'),
           ('thread hand-over (channel, park)',r'mpmc|park|Waker|mutex|Mutex|lock_contended|EventTx|Channel'),
           ('VRRP logic and loop (vipflip)',r'vipflip::'),
           ('clock and copies (user)',r'clock_gettime|Timespec|memmove|memset|memcpy'),
           ]
    for line in out.splitlines():
        m=re.match(r'\s*([\d.]+)%\s+\[[k.]\]\s+(.*)',line)
        if not m: continue
        pct=float(m.group(1)); sym=m.group(2).strip()
        for name,rx in rules:
            if re.search(rx,sym):
                c[name]=c.get(name,0)+pct; break
        else:
            c['other']=c.get('other',0)+pct
    return c
for d in sys.argv[1:]:
    c=cats(d)
    print(d)
    for k,v in sorted(c.items(), key=lambda x:-x[1]): print(f"  {v:5.1f}%  {k}")
