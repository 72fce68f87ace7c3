//! The server log, in Redis' format:
//! `pid:R dd Mon yyyy hh:mm:ss.mmm L message`, where R is the role
//! (`M` master, `S` replica, `X` sentinel, `C` child) and L the level
//! (`.` debug, `-` verbose, `*` notice, `#` warning).

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::config::LogLevel;

/// Log levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Debugging detail.
    Debug = 0,
    /// Verbose information.
    Verbose = 1,
    /// Normal operation (the default threshold).
    Notice = 2,
    /// Problems.
    Warning = 3,
}

struct Logger {
    file: Mutex<Option<std::fs::File>>,
    path: String,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();
static THRESHOLD: AtomicU8 = AtomicU8::new(Level::Notice as u8);
static ROLE: AtomicU8 = AtomicU8::new(b'M');

/// Opens the log: `logfile` empty means standard output. A file that
/// cannot be opened is an error (Redis refuses to start then too).
pub fn init(logfile: &str, level: LogLevel) -> std::io::Result<()> {
    let file = if logfile.is_empty() {
        None
    } else {
        Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(logfile)?,
        )
    };
    set_level(level);
    let _ = LOGGER.set(Logger {
        file: Mutex::new(file),
        path: logfile.to_string(),
    });
    Ok(())
}

/// Changes the threshold (CONFIG SET loglevel).
pub fn set_level(level: LogLevel) {
    let l = match level {
        LogLevel::Debug => 0,
        LogLevel::Verbose => 1,
        LogLevel::Notice => 2,
        LogLevel::Warning => 3,
        LogLevel::Nothing => 4,
    };
    THRESHOLD.store(l, Ordering::Relaxed);
}

/// Sets the role letter (`M`, `S`, `X`).
pub fn set_role(c: u8) {
    ROLE.store(c, Ordering::Relaxed);
}

/// Whether messages of `level` are written.
pub fn enabled(level: Level) -> bool {
    level as u8 >= THRESHOLD.load(Ordering::Relaxed)
}

/// Writes one log line.
pub fn log(level: Level, msg: &str) {
    if !enabled(level) {
        return;
    }
    let line = format_line(level, msg);
    write_raw(line.as_bytes());
}

/// Writes bytes to the log as they are (the start-up logo).
pub fn write_raw(bytes: &[u8]) {
    match LOGGER.get() {
        Some(l) => {
            let mut g = match l.file.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            match g.as_mut() {
                Some(f) => {
                    let _ = f.write_all(bytes);
                }
                None => {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(bytes);
                    let _ = out.flush();
                }
            }
            let _ = &l.path;
        }
        None => {
            let _ = std::io::stdout().write_all(bytes);
        }
    }
}

/// Formats a line as Redis does, with the current time.
pub fn format_line(level: Level, msg: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let c = match level {
        Level::Debug => '.',
        Level::Verbose => '-',
        Level::Notice => '*',
        Level::Warning => '#',
    };
    format!(
        "{}:{} {} {} {}\n",
        std::process::id(),
        ROLE.load(Ordering::Relaxed) as char,
        format_time(now.as_secs() as i64, now.subsec_millis()),
        c,
        msg
    )
}

/// `dd Mon yyyy hh:mm:ss.mmm` in UTC.
pub fn format_time(secs: i64, millis: u32) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        millis
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Logs at notice level with `format!` arguments.
#[macro_export]
macro_rules! notice { ($($a:tt)*) => { $crate::server::log::log($crate::server::log::Level::Notice, &format!($($a)*)) } }
/// Logs at warning level with `format!` arguments.
#[macro_export]
macro_rules! warning { ($($a:tt)*) => { $crate::server::log::log($crate::server::log::Level::Warning, &format!($($a)*)) } }
/// Logs at verbose level with `format!` arguments.
#[macro_export]
macro_rules! verbose { ($($a:tt)*) => { $crate::server::log::log($crate::server::log::Level::Verbose, &format!($($a)*)) } }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format() {
        assert_eq!(format_time(0, 5), "01 Jan 1970 00:00:00.005");
        assert_eq!(format_time(1_700_000_000, 123), "14 Nov 2023 22:13:20.123");
    }
}
