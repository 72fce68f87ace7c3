//! Fuzz target: the configuration loader must never panic, whatever the
//! text, and what it accepts must survive CONFIG GET / CONFIG REWRITE.
//!
//! Run with `cargo fuzz run config_parse` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shardis::config::{parse, Config, RewriteOptions};

fuzz_target!(|data: &[u8]| {
    // The tokenizer on every line, and its inverse.
    for line in data.split(|&c| c == b'\n') {
        if let Ok(words) = parse::split_args(line) {
            let quoted: Vec<String> = words.iter().map(|w| parse::repr(w)).collect();
            let again = parse::split_args(quoted.join(" ").as_bytes());
            assert_eq!(again.as_ref(), Ok(&words));
        }
    }
    // The whole loader, without touching the file system.
    if let Ok(cfg) = Config::validate_text(data) {
        let _ = cfg.get_matching(&[b"*"]);
        let rewritten = cfg.rewritten_content(data, &RewriteOptions::default());
        let _ = Config::validate_text(&rewritten);
    }
    // CONFIG SET with arbitrary name/value split at the first space.
    let mut cfg = Config::default();
    if let Some(i) = data.iter().position(|&c| c == b' ') {
        let _ = cfg.set_many(&[(&data[..i], &data[i + 1..])]);
    }
});
