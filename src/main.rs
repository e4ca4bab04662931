//! The `fairtender` binary: parse arguments, run, map the outcome to an exit code
//! (0 success, 1 findings at or above --fail-on, 2 error).

fn main() {
    std::process::exit(fairtender::cli::main());
}
