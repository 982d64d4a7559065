//! The `netinvite` executable: everything happens in the library.

fn main() -> std::process::ExitCode {
    netinvite::main()
}
