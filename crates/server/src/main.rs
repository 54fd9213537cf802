use clap::Parser;
use moodchat_server::cli::{Cli, Command, LogFormat};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            init_logging(args.log_format);
            match moodchat_server::serve(args.settings()).await {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(error) => {
                    tracing::error!("{error:#}");
                    eprintln!("moodchat: {error:#}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Command::Mood => match moodchat_server::mood::label_lines(std::io::stdin().lock(), std::io::stdout().lock()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            // A closed pipe (`| head`) is a normal end for a filter.
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("moodchat mood: {error}");
                std::process::ExitCode::FAILURE
            }
        },
        Command::ExportMoods(args) => match moodchat_server::export_moods::run(&args).await {
            Ok(lines) => {
                eprintln!("moodchat export-moods: {lines} corrected messages");
                std::process::ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("moodchat export-moods: {error:#}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

/// Logs go to stderr (stdout carries only the "listening on" line); the level
/// comes from RUST_LOG, default info.
fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
