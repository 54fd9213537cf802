//! Prints the prediction of a weights file for each line of stdin, for quick
//! checks of chat messages while experimenting.
//!
//! printf 'ㅋㅋ\nㅠㅠ\n' | cargo run -p moodchat-sentiment --profile server --features train \
//!     --bin sentiment-predict -- [--weights FILE]

use moodchat_sentiment::{train, Model};
use std::io::BufRead;
use std::process::ExitCode;

fn run() -> Result<(), String> {
    let mut weights = train::default_weights_path();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--weights" => weights = args.next().ok_or("--weights needs a value")?.into(),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let bytes = std::fs::read(&weights).map_err(|e| format!("{}: {e}", weights.display()))?;
    let model = Model::from_bytes(&bytes).map_err(|e| e.to_string())?;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let p = model.predict(&line);
        println!(
            "{} {:<8} neg {:.3} neu {:.3} pos {:.3}  {line}",
            p.label.emoji(),
            p.label.as_str(),
            p.probs[0],
            p.probs[1],
            p.probs[2]
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sentiment-predict: {e}");
            ExitCode::FAILURE
        }
    }
}
