fn main() -> std::process::ExitCode {
    edgecase::cli::main()
}
