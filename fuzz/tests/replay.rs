//! Replays every seed (fuzz/corpus/<target>/) and every fixed crash
//! (fuzz/regressions/<target>/) through its target, without libFuzzer: the fuzz
//! properties as a plain test, on any machine (`cargo test` in fuzz/).

use std::path::Path;

fn inputs(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for target_dir in entries.flatten() {
        let name = target_dir.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(target_dir.path())
            .expect("read corpus dir")
            .flatten()
        {
            out.push((name.clone(), f.path()));
        }
    }
    out
}

#[test]
fn every_target_has_seeds_and_every_folder_a_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for t in netinvite_fuzz::TARGETS {
        let dir = root.join("corpus").join(t.name);
        let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(n > 0, "no seeds in {}", dir.display());
    }
    for sub in ["corpus", "regressions"] {
        for (name, path) in inputs(&root.join(sub)) {
            assert!(
                netinvite_fuzz::target(&name).is_some(),
                "{} is in a folder that names no target",
                path.display()
            );
        }
    }
}

#[test]
fn seeds_and_regressions_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for sub in ["corpus", "regressions"] {
        for (name, path) in inputs(&root.join(sub)) {
            let data = std::fs::read(&path).expect("read input");
            let target = netinvite_fuzz::target(&name).expect("target");
            let r = std::panic::catch_unwind(|| (target.run)(&data));
            assert!(r.is_ok(), "{} fails its target {name}", path.display());
            n += 1;
        }
    }
    assert!(n >= netinvite_fuzz::TARGETS.len());
}
