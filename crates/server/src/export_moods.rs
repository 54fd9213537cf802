//! `moodchat export-moods`: the moods authors chose for their own messages,
//! as TSV for the next training round (the format is
//! `moodchat_core::mood_export`'s). Reads the database of a stopped or
//! running server (SQLite's WAL lets it read beside the writer).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use moodchat_core::mood_export::export_tsv;

use crate::chat::{SqliteStore, DATABASE_FILE};

#[derive(Debug, clap::Args)]
pub struct ExportMoodsArgs {
    /// The data directory of the server (`serve --data-dir`).
    #[arg(long, env = "MOODCHAT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Write the TSV to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Writes the export; returns how many corrected messages it holds.
pub async fn run(args: &ExportMoodsArgs) -> anyhow::Result<u64> {
    let database = args.data_dir.join(DATABASE_FILE);
    // Opening would create an empty database: a wrong --data-dir must say so.
    if !database.is_file() {
        bail!("no database at {} (is --data-dir the server's?)", database.display());
    }
    let store = SqliteStore::open(&database).with_context(|| format!("opening {}", database.display()))?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    Ok(export_tsv(&store, &mut out).await?)
}
