fn main() -> std::process::ExitCode {
    herd::cli::run()
}
