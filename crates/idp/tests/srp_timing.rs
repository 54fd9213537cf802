//! The second SRP step must not tell by its timing whether a name has an
//! account. Wrong proofs for existing users and for unknown names are
//! answered interleaved, and what each answer cost is compared as two
//! distributions: their lower quartiles and medians must agree within a
//! factor of 1.5 either way. Before the fix unknown names were refused
//! right after the challenge lookup, at a fraction of a user's cost.
//!
//! The cost is measured as the CPU time the process spent on the call
//! (`CLOCK_PROCESS_CPUTIME_ID`), not wall time: on a shared machine other
//! processes preempt the test for milliseconds at a time, far more than the
//! difference being looked for, and CPU time does not count that. Wall
//! times are printed alongside. A test binary of its own, so no other test
//! runs in the process while it measures.

use std::time::{Duration, Instant};

use serde_json::json;

#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use support::*;

const SAMPLES: usize = 40;

#[tokio::test]
async fn a_wrong_proof_takes_as_long_for_unknown_names_as_for_users() {
    let idp = TestIdp::with(|config| {
        config.auto_confirm = true;
        // All requests here come from one (unknown) client.
        lift_client_rate_limits(config);
    });
    for n in 0..SAMPLES {
        let (status, answer) = idp.sign_up(&format!("user{n}"), &format!("user{n}@example.com"), PASSWORD).await;
        assert_eq!(status, 200, "{answer}");
    }
    let srp = handmade_srp::Client::new();
    let mut existing = Vec::new();
    let mut unknown = Vec::new();
    let mut wall = (Vec::new(), Vec::new());
    for n in 0..SAMPLES {
        // Alternate which goes first, so neither always runs on a warmer cache.
        let names = [format!("user{n}"), format!("nobody{n}")];
        let order = if n % 2 == 0 { [0, 1] } else { [1, 0] };
        for index in order {
            let (cpu, elapsed) = wrong_proof(&idp, &srp, &names[index]).await;
            if index == 0 {
                existing.push(cpu);
                wall.0.push(elapsed);
            } else {
                unknown.push(cpu);
                wall.1.push(elapsed);
            }
        }
    }
    let report = format!(
        "CPU ms (quartiles): users {}, unknown names {}; wall ms: users {}, unknown names {}",
        quartiles(&mut existing),
        quartiles(&mut unknown),
        quartiles(&mut wall.0),
        quartiles(&mut wall.1)
    );
    println!("{report}");
    for q in [0.25, 0.5] {
        let ratio = quantile(&existing, q) / quantile(&unknown, q);
        assert!((2.0 / 3.0..=1.5).contains(&ratio), "the cost tells names apart (ratio {ratio:.2} at {q}): {report}");
    }
}

/// InitiateAuth (not measured), then a RespondToAuthChallenge with a proof
/// made from the wrong password: its CPU time and wall time.
async fn wrong_proof(idp: &TestIdp, srp: &handmade_srp::Client, name: &str) -> (Duration, Duration) {
    let challenge = idp
        .ok(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID,
                   "AuthParameters": {"USERNAME": name, "SRP_A": srp.srp_a()}}),
        )
        .await;
    let params = &challenge["ChallengeParameters"];
    let timestamp = handmade_srp::timestamp(time::OffsetDateTime::now_utc());
    let signature = srp.signature("Wr0ng-Password!", params, &timestamp);
    let body = json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT_ID,
        "ChallengeResponses": {"USERNAME": params["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                               "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp}});
    let (cpu, started) = (process_cpu_time(), Instant::now());
    let answer = idp.call("RespondToAuthChallenge", body).await;
    let (cpu, elapsed) = (process_cpu_time() - cpu, started.elapsed());
    assert_error(&answer, "NotAuthorizedException", "Incorrect username or password.");
    (cpu, elapsed)
}

/// CPU time of the whole process (every thread, the blocking pool's too).
fn process_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a valid out-pointer.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0);
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3
}

fn quartiles(samples: &mut [Duration]) -> String {
    samples.sort();
    format!("{:.2}/{:.2}/{:.2}", quantile(samples, 0.25), quantile(samples, 0.5), quantile(samples, 0.75))
}
