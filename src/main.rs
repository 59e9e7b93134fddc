use std::process::ExitCode;

// glibc's malloc took a quarter of a request's CPU time under load (its
// arenas contend and consolidate); mimalloc keeps per-thread free lists.
// Transparent huge pages stay off, so memory grows by the page as before.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = paddock::config::Cli::parse_args();
    paddock::telemetry::init(cli.serve.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(paddock::memory::on_thread_park)
        .build();
    let outcome = match runtime {
        Ok(runtime) => runtime
            .block_on(paddock::app::run(cli))
            .map_err(|e| e.to_string()),
        Err(error) => Err(format!("can't start the runtime: {error}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("paddock: {error}");
            ExitCode::FAILURE
        }
    }
}
