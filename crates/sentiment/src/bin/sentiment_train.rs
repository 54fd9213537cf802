//! Trains the sentiment model and writes the weights file.
//!
//! cargo run -p moodchat-sentiment --profile server --features train --bin sentiment-train -- \
//!     [--data DIR] [--out FILE] [--polarity-bits N] [--neutral-bits N] [--epochs N] [--lr X] [--l2 X] [--seed N]
//!     [--nsmc-weight X] [--sst2-weight X] [--goe-weight X] [--clip-quantile X] [--prune K] [--no-average] [--min-count N]
//!     [--max-level N]
//!     [--tweet-weight X] [--lexicon-weight X] [--tweet-val-train-every K] [--cross-fit-tweets] [--nsmc-mid-weight X]
//!     [--nb-prior X] [--nb-alpha X] [--no-balance-classes] [--max-per-corpus N] [--nsmc-holdout N] [--compare] [--quiet]
//!     [--no-chat] [--chat-fold F/K] [--chat-dev-for-calibration-only] [--chat-weight X] [--no-registry-lexicons] [--registry-lexicon-weight X]
//!     [--head-bits N (0 = no embedding head)] [--head-dim N] [--head-hidden N] [--head-lr X] [--head-neutral-only] [--head-stacked]

use moodchat_sentiment::train::{self, trainer::TrainConfig, PipelineOptions};
use std::path::PathBuf;
use std::process::ExitCode;

fn parse<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value.parse().map_err(|_| format!("{flag}: cannot parse {value:?}"))
}

fn run() -> Result<(), String> {
    let mut config = TrainConfig::default();
    let mut opts = PipelineOptions {
        data_dir: train::default_data_dir(),
        max_per_corpus: 0,
        // Held out for the calibration's binary-accuracy term.
        nsmc_holdout: 5000,
        // Half of TweetEval val is the only in-domain three-way training
        // data; the other half calibrates.
        tweet_val_train_every: 2,
        cross_fit_tweets: false,
        nsmc_mid: false,
        compare: false,
        // Issue 16: moodchat's own chat messages and the registry lexicons.
        chat_dir: Some(train::chat::default_chat_dir()),
        lexicon_dir: Some(train::chat::default_lexicon_dir()),
        chat_fold: None,
        chat_train_on_dev: true,
        verbose: true,
    };
    let mut out = train::default_weights_path();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--data" => opts.data_dir = PathBuf::from(parse::<String>(&flag, args.next())?),
            "--out" => out = PathBuf::from(parse::<String>(&flag, args.next())?),
            "--polarity-bits" => config.polarity_bits = parse(&flag, args.next())?,
            "--neutral-bits" => config.neutral_bits = parse(&flag, args.next())?,
            "--prune" => config.prune_at_most = parse(&flag, args.next())?,
            "--no-average" => config.average_epochs = false,
            "--max-level" => config.max_level = parse(&flag, args.next())?,
            "--min-count" => config.min_count = parse(&flag, args.next())?,
            "--epochs" => config.epochs = parse(&flag, args.next())?,
            "--lr" => config.learning_rate = parse(&flag, args.next())?,
            "--l2" => config.l2 = parse(&flag, args.next())?,
            "--seed" => config.seed = parse(&flag, args.next())?,
            "--nsmc-weight" => config.nsmc_weight = parse(&flag, args.next())?,
            "--sst2-weight" => config.sst2_weight = parse(&flag, args.next())?,
            "--goe-weight" => config.goemotions_weight = parse(&flag, args.next())?,
            "--clip-quantile" => config.clip_quantile = parse(&flag, args.next())?,
            "--max-per-corpus" => opts.max_per_corpus = parse(&flag, args.next())?,
            "--nsmc-holdout" => opts.nsmc_holdout = parse(&flag, args.next())?,
            "--tweet-weight" => config.tweet_weight = parse(&flag, args.next())?,
            "--tweet-val-train-every" => opts.tweet_val_train_every = parse(&flag, args.next())?,
            "--lexicon-weight" => config.lexicon_weight = parse(&flag, args.next())?,
            "--cross-fit-tweets" => opts.cross_fit_tweets = true,
            "--nsmc-mid-weight" => {
                config.nsmc_mid_weight = parse(&flag, args.next())?;
                opts.nsmc_mid = config.nsmc_mid_weight > 0.0;
            }
            "--quiet" => opts.verbose = false,
            "--no-chat" => opts.chat_dir = None,
            "--chat-dev-for-calibration-only" => opts.chat_train_on_dev = false,
            "--chat-fold" => {
                // F/K: leave the chat training rows of fold F (of K, by group) out, and score the model on them.
                let value: String = parse(&flag, args.next())?;
                let parsed = value.split_once('/').and_then(|(f, k)| Some((f.parse().ok()?, k.parse().ok()?)));
                match parsed {
                    Some((f, k)) if f < k && k >= 2 => opts.chat_fold = Some((f, k)),
                    _ => return Err(format!("--chat-fold: expected F/K with F < K, K >= 2, got {value:?}")),
                }
            }
            "--no-registry-lexicons" => opts.lexicon_dir = None,
            "--chat-weight" => config.chat_weight = parse(&flag, args.next())?,
            "--registry-lexicon-weight" => config.registry_lexicon_weight = parse(&flag, args.next())?,
            "--compare" => opts.compare = true,
            "--no-balance-classes" => config.balance_classes = false,
            "--nb-prior" => config.nb_prior = parse(&flag, args.next())?,
            "--nb-alpha" => config.nb_alpha = parse(&flag, args.next())?,
            "--head-bits" => config.head_bits = parse(&flag, args.next())?,
            "--head-dim" => config.head_dim = parse(&flag, args.next())?,
            "--head-hidden" => config.head_hidden = parse(&flag, args.next())?,
            "--head-lr" => config.head_lr = parse(&flag, args.next())?,
            "--head-neutral-only" => config.head_neutral_only = true,
            "--head-stacked" => config.head_stacked = true,
            "-h" | "--help" => {
                println!("{}", include_str!("sentiment_train.rs").lines().take(11).collect::<Vec<_>>().join("\n"));
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    for bits in [config.polarity_bits, config.neutral_bits] {
        if !(8..=24).contains(&bits) {
            return Err("--polarity-bits / --neutral-bits must be in 8..=24".into());
        }
    }
    if config.head_bits != 0
        && (!(8..=20).contains(&config.head_bits)
            || !(1..=64).contains(&config.head_dim)
            || config.head_hidden > 64)
    {
        return Err("--head-bits must be 0 or in 8..=20, --head-dim in 1..=64, --head-hidden in 0..=64".into());
    }
    eprintln!("config: {config:?}");
    let model = train::run_pipeline(&opts, &config).map_err(|e| e.to_string())?;
    let bytes = model.to_bytes();
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(&out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!(
        "wrote {} ({} bytes, {} bytes gzip -9)",
        out.display(),
        bytes.len(),
        train::gzip_len(&bytes)
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sentiment-train: {e}");
            ExitCode::FAILURE
        }
    }
}
