//! How fast one client may call the unauthenticated operations that cost
//! the server something (SignUp: a user row and an SRP verifier; InitiateAuth:
//! an SRP exponentiation and a pending challenge), and how many challenges
//! may wait for an answer. Over a limit the answer is a 429
//! TooManyRequestsException with `Retry-After`.

use std::time::Duration;

use moodchat_limits::{ClientAddress, KeyedLimiter, Rate};

use crate::challenges::ChallengeBounds;
use crate::error::ApiError;

/// The limits of one provider; `Default` is what docs/security.md lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpLimits {
    /// SignUp calls per client address.
    pub sign_up_per_client: Rate,
    /// InitiateAuth calls (SRP and refresh) per client address.
    pub initiate_auth_per_client: Rate,
    /// SRP sign-in starts per user name, whoever asks.
    pub initiate_auth_per_name: Rate,
    pub challenges: ChallengeBounds,
}

impl Default for IdpLimits {
    fn default() -> Self {
        Self {
            sign_up_per_client: Rate::per(20, Duration::from_secs(60 * 60)),
            initiate_auth_per_client: Rate::per(60, Duration::from_secs(60)),
            initiate_auth_per_name: Rate::per(10, Duration::from_secs(60)),
            challenges: ChallengeBounds::default(),
        }
    }
}

pub(crate) struct Limiters {
    sign_up: KeyedLimiter<Option<ClientAddress>>,
    initiate_auth: KeyedLimiter<Option<ClientAddress>>,
    initiate_auth_name: KeyedLimiter<String>,
}

impl Limiters {
    pub fn new(limits: &IdpLimits) -> Self {
        Self {
            sign_up: KeyedLimiter::new(limits.sign_up_per_client),
            initiate_auth: KeyedLimiter::new(limits.initiate_auth_per_client),
            initiate_auth_name: KeyedLimiter::new(limits.initiate_auth_per_name),
        }
    }

    /// Charged before the request body is even parsed: a flood of malformed
    /// requests is throttled like a flood of good ones. Requests without a
    /// known client address share one bucket.
    pub fn admit(&self, operation: &str, client: Option<ClientAddress>) -> Result<(), ApiError> {
        let limiter = match operation {
            "SignUp" => &self.sign_up,
            "InitiateAuth" => &self.initiate_auth,
            _ => return Ok(()),
        };
        limiter.check(&client).map_err(ApiError::too_many_requests)
    }

    /// `name` as case-folded for lookups.
    pub fn admit_name(&self, name: &str) -> Result<(), ApiError> {
        self.initiate_auth_name.check(&name.to_owned()).map_err(ApiError::too_many_requests)
    }
}
