//! Turning a password into what is stored instead of it: a random salt and
//! the SRP verifier. The password lives only in memory for this computation.

use num_bigint::BigUint;
use rand::RngCore;

use crate::srp;

pub struct Credentials {
    pub salt: Vec<u8>,
    pub verifier: Vec<u8>,
}

/// A salt for a new verifier. Never starts with 0x00: clients parse SALT as a
/// number, so a leading zero byte would vanish on their side of x and the
/// password would never verify (the JS client is known to drop it).
pub fn new_salt() -> Vec<u8> {
    let mut salt = vec![0u8; srp::SALT_LEN];
    loop {
        rand::rngs::OsRng.fill_bytes(&mut salt);
        if salt[0] != 0 {
            return salt;
        }
    }
}

/// Salt and verifier for `password`, bound to the user's USER_ID_FOR_SRP.
pub fn derive(pool_name: &str, user_id_for_srp: &str, password: &str) -> Credentials {
    let salt = new_salt();
    let verifier = srp::verifier(pool_name, user_id_for_srp, password, &salt).to_bytes_be();
    Credentials { salt, verifier }
}

pub fn verifier_number(stored: &[u8]) -> BigUint {
    BigUint::from_bytes_be(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_never_start_with_zero_and_differ() {
        let salts: Vec<_> = (0..512).map(|_| new_salt()).collect();
        assert!(salts.iter().all(|s| s.len() == srp::SALT_LEN && s[0] != 0));
        assert_ne!(salts[0], salts[1]);
    }

    #[test]
    fn the_verifier_depends_on_password_and_user() {
        let a = derive("pool", "id", "Passw0rd!");
        let same_salt = srp::verifier("pool", "id", "Passw0rd!", &a.salt).to_bytes_be();
        assert_eq!(a.verifier, same_salt);
        assert_ne!(
            a.verifier,
            srp::verifier("pool", "id", "Passw0rd?", &a.salt).to_bytes_be()
        );
        assert_ne!(
            a.verifier,
            srp::verifier("pool", "id2", "Passw0rd!", &a.salt).to_bytes_be()
        );
    }
}
