use std::process::ExitCode;

// glibc's malloc took a quarter of a request's CPU time under load (its
// arenas contend and consolidate); mimalloc keeps per-thread free lists.
// Transparent huge pages stay off, so memory grows by the page as before.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = paddock::config::Cli::parse_args();
    paddock::telemetry::init(cli.serve.log_format);
    match paddock::app::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("paddock: {error}");
            ExitCode::FAILURE
        }
    }
}
