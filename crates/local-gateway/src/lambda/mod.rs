//! Lambda, locally: every function of the template is its real binary, run
//! as Lambda runs a custom runtime (`provided.al2023`): a process started with
//! `AWS_LAMBDA_RUNTIME_API` pointing at a Runtime API the gateway serves, one
//! invocation at a time per process, a new process (a cold start) when none
//! is free, the function's timeout enforced by killing the process, a crashed
//! process replaced on the next invocation.
//!
//! Why this rather than `cargo lambda watch`: it needs no other tool in the
//! test command (cargo-lambda brings zig), it starts exactly the binaries the
//! tests built, and it models what matters to the handlers (concurrency,
//! cold starts, a panic or exit killing one instance, timeouts) with figures
//! of its own (cold and warm invocation times, docs/benchmarks.md).

mod invoke_api;
mod pool;
mod runtime_api;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use serde_json::{json, Value};

pub use invoke_api::router as invoke_api_router;
pub use pool::{FunctionPool, PoolStats};

use crate::template::Stack;

/// What an invocation came back with.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The handler's response payload.
    Response(Bytes),
    /// The handler failed, its process died, or it timed out: Lambda's
    /// `{"errorType", "errorMessage"}` document.
    Error(Value),
}

impl Outcome {
    pub fn error(error_type: &str, message: impl Into<String>) -> Self {
        Outcome::Error(json!({"errorType": error_type, "errorMessage": message.into()}))
    }

    pub fn error_type(&self) -> Option<&str> {
        match self {
            Outcome::Error(document) => document.get("errorType").and_then(Value::as_str),
            Outcome::Response(_) => None,
        }
    }
}

/// Every function of the stack, by logical id.
#[derive(Clone, Default)]
pub struct Functions {
    pools: Arc<HashMap<String, Arc<FunctionPool>>>,
}

/// How the gateway starts functions.
#[derive(Clone, Debug)]
pub struct LaunchOptions {
    /// Where cargo put the binaries (e.g. `$CARGO_TARGET_DIR/debug`).
    pub binary_dir: PathBuf,
    /// `LogicalId=path` overrides, e.g. to run the gateway's own test
    /// function in place of a handler.
    pub binary_overrides: HashMap<String, PathBuf>,
    /// Added to every function's environment: the local endpoints
    /// (`AWS_ENDPOINT_URL_*`), dummy credentials, the region.
    pub environment: BTreeMap<String, String>,
    /// Concurrent instances per function (Lambda's concurrency, locally).
    pub max_instances: usize,
}

impl Functions {
    pub fn new(stack: &Stack, options: &LaunchOptions) -> Self {
        let pools = stack
            .functions
            .values()
            .map(|def| {
                let binary = options
                    .binary_overrides
                    .get(&def.logical_id)
                    .cloned()
                    .unwrap_or_else(|| options.binary_dir.join(&def.binary));
                let pool = FunctionPool::new(def.clone(), binary, options.environment.clone(), options.max_instances);
                (def.logical_id.clone(), Arc::new(pool))
            })
            .collect();
        Self { pools: Arc::new(pools) }
    }

    pub fn get(&self, logical_id: &str) -> Option<&Arc<FunctionPool>> {
        self.pools.get(logical_id)
    }

    /// By function name or ARN, as the Invoke API names functions.
    pub fn by_name(&self, name_or_arn: &str) -> Option<&Arc<FunctionPool>> {
        self.pools.values().find(|pool| pool.def().name == name_or_arn || pool.def().arn == name_or_arn)
    }

    /// Functions whose binary is missing (not built yet).
    pub fn missing_binaries(&self) -> Vec<(String, &Path)> {
        let mut missing: Vec<_> = self
            .pools
            .values()
            .filter(|pool| !pool.binary().is_file())
            .map(|pool| (pool.def().logical_id.clone(), pool.binary()))
            .collect();
        missing.sort();
        missing
    }

    pub fn stats(&self) -> BTreeMap<String, PoolStats> {
        self.pools.iter().map(|(id, pool)| (id.clone(), pool.stats())).collect()
    }
}
