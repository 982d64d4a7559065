//! The libFuzzer driver: one binary for every target, chosen by `NETINVITE_FUZZ_TARGET`
//! (one link instead of seventeen). `fuzz/run` builds and runs it; see docs/fuzzing.md.

#![no_main]

use std::sync::OnceLock;

static TARGET: OnceLock<fn(&[u8])> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let run = TARGET.get_or_init(|| {
        let name = std::env::var("NETINVITE_FUZZ_TARGET").unwrap_or_default();
        match netinvite_fuzz::target(&name) {
            Some(t) => t.run,
            None => {
                eprintln!("NETINVITE_FUZZ_TARGET must name a target; one of:");
                for t in netinvite_fuzz::TARGETS {
                    eprintln!("  {:<18} {}", t.name, t.about);
                }
                std::process::exit(2);
            }
        }
    });
    run(data);
});
