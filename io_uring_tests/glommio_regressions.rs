//! Regression tests for the two fixes carried by the vendored glommio
//! (see `vendor/glommio/VENDORED.md`):
//!
//! * the executor must never park while one of its task queues is still
//!   runnable (glommio 0.9.0's `run_task_queues` reported "nothing ran" when
//!   it had merely been preempted before running anything, and the run loop
//!   parked on that, sometimes for good);
//! * the io_uring rings are created with `IORING_SETUP_COOP_TASKRUN |
//!   IORING_SETUP_TASKRUN_FLAG` when the kernel accepts them, and completions
//!   still arrive promptly (glommio enters the kernel when the ring reports
//!   pending task work).
//!
//! Every workload runs under a watchdog that fails the test when the
//! workload makes no progress for `STALL` (instead of blocking the test
//! binary forever). It watches progress, not total time, so a slow, loaded
//! machine does not cause false failures while a hang still does. Each
//! workload is repeated because the original hang was intermittent; set
//! `SHARDIS_STRESS_REPEATS` to repeat more.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        mpsc::{self, RecvTimeoutError},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::{
    channels::shared_channel,
    net::{TcpListener, TcpStream},
    LocalExecutorBuilder, Placement,
};

/// How long a workload may go without completing a single round trip before
/// we call it a hang. A healthy workload completes hundreds of round trips
/// per second even in a debug build on a heavily loaded machine.
const STALL: Duration = Duration::from_secs(30);

/// Round-trip counter shared between a workload and its watchdog.
type Progress = Arc<AtomicU64>;

/// Runs `f` on a helper thread and fails the test if the counter it is given
/// stops advancing for `STALL`. Panics inside `f` are propagated. Returns
/// the wall time the workload took.
fn with_watchdog<F>(what: &str, f: F) -> Duration
where
    F: FnOnce(Progress) + Send + 'static,
{
    let progress: Progress = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    let handle = {
        let progress = progress.clone();
        thread::Builder::new()
            .name(format!("workload-{what}"))
            .spawn(move || {
                f(progress);
                let _ = tx.send(());
            })
            .expect("spawn workload thread")
    };
    let mut last_seen = 0;
    let mut last_change = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(250)) {
            Ok(()) => {
                handle.join().expect("workload thread panicked");
                return start.elapsed();
            }
            Err(RecvTimeoutError::Disconnected) => {
                // The workload panicked before signalling: surface its panic.
                match handle.join() {
                    Err(panic) => std::panic::resume_unwind(panic),
                    Ok(()) => unreachable!("workload exited without signalling"),
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                let now = progress.load(Ordering::Relaxed);
                if now != last_seen {
                    last_seen = now;
                    last_change = Instant::now();
                } else if last_change.elapsed() > STALL {
                    panic!(
                        "{what}: stuck after {now} round trips, no progress for {STALL:?}; \
                         an executor most likely parked with runnable work (lost wakeup) \
                         or a completion was never reaped"
                    );
                }
            }
        }
    }
}

fn repeats(default: usize) -> usize {
    std::env::var("SHARDIS_STRESS_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPUs to pin the two ping-pong executors to: two distinct CPUs when the
/// process may use two, otherwise both on the one it has.
fn two_cpus() -> (usize, usize) {
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) };
    let mut cpus = Vec::new();
    if rc == 0 {
        for cpu in 0..libc::CPU_SETSIZE as usize {
            if unsafe { libc::CPU_ISSET(cpu, &set) } {
                cpus.push(cpu);
            }
        }
    }
    match cpus.as_slice() {
        [] => (0, 0),
        [one] => (*one, *one),
        [a, b, ..] => (*a, *b),
    }
}

fn builder(name: &str, placement: Placement, preempt: Option<Duration>) -> LocalExecutorBuilder {
    let b = LocalExecutorBuilder::new(placement).name(name);
    match preempt {
        Some(d) => b.preempt_timer(d),
        None => b,
    }
}

/// Two pinned executors bounce a counter back and forth `round_trips` times
/// over a pair of shared channels (two messages per round trip). Every hop
/// needs the receiving executor to be woken from another thread, usually out
/// of a park, so a lost wakeup shows up as a stall.
fn channel_ping_pong(round_trips: u64, preempt: Option<Duration>, progress: Progress) {
    let (cpu_a, cpu_b) = two_cpus();
    let (ping_tx, ping_rx) = shared_channel::new_bounded::<u64>(1);
    let (pong_tx, pong_rx) = shared_channel::new_bounded::<u64>(1);

    let pinger = builder("pinger", Placement::Fixed(cpu_a), preempt)
        .spawn(move || async move {
            let tx = ping_tx.connect().await;
            let rx = pong_rx.connect().await;
            for i in 0..round_trips {
                tx.send(i).await.expect("ponger went away");
                let back = rx.recv().await.expect("ponger closed the channel");
                assert_eq!(back, i + 1);
                progress.fetch_add(1, Ordering::Relaxed);
            }
        })
        .expect("spawn pinger executor");
    let ponger = builder("ponger", Placement::Fixed(cpu_b), preempt)
        .spawn(move || async move {
            let rx = ping_rx.connect().await;
            let tx = pong_tx.connect().await;
            let mut seen = 0;
            while let Some(i) = rx.recv().await {
                tx.send(i + 1).await.expect("pinger went away");
                seen += 1;
            }
            assert_eq!(seen, round_trips);
        })
        .expect("spawn ponger executor");
    pinger.join().expect("pinger executor failed");
    ponger.join().expect("ponger executor failed");
}

/// One executor runs both a TCP server and its client over loopback and
/// does `round_trips` request/reply exchanges on one busy connection.
fn tcp_round_trips(round_trips: u64, preempt: Option<Duration>, progress: Progress) {
    builder("tcp-rr", Placement::Unbound, preempt)
        .spawn(move || async move {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let addr = listener.local_addr().expect("local_addr");
            let server = glommio::spawn_local(async move {
                let mut conn = listener.accept().await.expect("accept");
                let mut req = [0u8; 6];
                loop {
                    // One "PING\r\n" per request; EOF ends the session.
                    let mut got = 0;
                    while got < req.len() {
                        let n = conn.read(&mut req[got..]).await.expect("server read");
                        if n == 0 {
                            assert_eq!(got, 0, "EOF in the middle of a request");
                            return;
                        }
                        got += n;
                    }
                    assert_eq!(&req, b"PING\r\n");
                    conn.write_all(b"+PONG\r\n").await.expect("server write");
                }
            });

            let mut client = TcpStream::connect(addr).await.expect("connect");
            client.set_nodelay(true).expect("nodelay");
            let mut reply = [0u8; 7];
            for _ in 0..round_trips {
                client.write_all(b"PING\r\n").await.expect("client write");
                client.read_exact(&mut reply).await.expect("client read");
                assert_eq!(&reply, b"+PONG\r\n");
                progress.fetch_add(1, Ordering::Relaxed);
            }
            drop(client);
            server.await;
        })
        .expect("spawn tcp executor")
        .join()
        .expect("tcp executor failed");
}

/// 100k messages (50k round trips) between two executors pinned to
/// different CPUs, default preempt timer.
#[test]
fn shared_channel_ping_pong_never_hangs() {
    for run in 0..repeats(2) {
        let took = with_watchdog("shared-channel ping-pong", |p| {
            channel_ping_pong(50_000, None, p)
        });
        eprintln!("shared-channel ping-pong run {run}: 50000 round trips in {took:?}");
    }
}

/// One busy TCP connection, server and client on the same executor, default
/// preempt timer.
#[test]
fn tcp_loopback_round_trips_never_hang() {
    for run in 0..repeats(5) {
        let took = with_watchdog("tcp loopback round trips", |p| {
            tcp_round_trips(20_000, None, p)
        });
        eprintln!("tcp loopback run {run}: 20000 round trips in {took:?}");
    }
}

/// A very short preempt timer makes the latency ring fire between the I/O
/// poll and the executor's first look at its task queues far more often:
/// that is the window in which glommio 0.9.0 parked with runnable tasks. With
/// the unpatched executor this test stalls within the first run or two.
#[test]
fn short_preempt_timer_never_hangs() {
    let preempt = Some(Duration::from_micros(100));
    for run in 0..repeats(5) {
        let took = with_watchdog("tcp round trips, 100us preempt timer", move |p| {
            tcp_round_trips(5_000, preempt, p)
        });
        eprintln!("tcp loopback (100us preempt) run {run}: 5000 round trips in {took:?}");
        let took = with_watchdog("ping-pong, 100us preempt timer", move |p| {
            channel_ping_pong(5_000, preempt, p)
        });
        eprintln!(
            "shared-channel ping-pong (100us preempt) run {run}: 5000 round trips in {took:?}"
        );
    }
}

const IORING_SETUP_COOP_TASKRUN: u32 = 1 << 8;
const IORING_SETUP_TASKRUN_FLAG: u32 = 1 << 9;

/// Whether this kernel accepts `flags` in `io_uring_setup(2)`, asked
/// directly (not through glommio).
fn kernel_accepts_setup_flags(flags: u32) -> bool {
    // struct io_uring_params is 120 bytes; `flags` is its third u32.
    let mut params = [0u32; 30];
    params[2] = flags;
    let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, 4u32, params.as_mut_ptr()) };
    if fd < 0 {
        return false;
    }
    unsafe { libc::close(fd as libc::c_int) };
    true
}

/// glommio's three rings carry COOP_TASKRUN | TASKRUN_FLAG exactly when the
/// kernel supports them (and fall back to no extra flags otherwise).
#[test]
fn rings_use_coop_taskrun_when_supported() {
    let wanted = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    let supported = kernel_accepts_setup_flags(wanted);
    let flags = LocalExecutorBuilder::new(Placement::Unbound)
        .spawn(|| async { glommio::__ring_setup_flags() })
        .expect("spawn executor")
        .join()
        .expect("executor failed");
    for (ring, f) in ["main", "latency", "poll"].iter().zip(flags) {
        assert_eq!(
            f & wanted,
            if supported { wanted } else { 0 },
            "{ring} ring setup flags {f:#x} (kernel supports COOP_TASKRUN: {supported})"
        );
    }
    // The poll ring keeps its own IOPOLL flag.
    assert_eq!(flags[2] & 1, 1, "poll ring lost IORING_SETUP_IOPOLL");
}
