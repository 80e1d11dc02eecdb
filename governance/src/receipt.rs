//! Receipts for ballots, so a member can check that their ballot was counted even when ballots
//! are secret (who voted is known, not how).
//!
//! When a ballot is cast, the server draws a fresh random `nonce` (at least 128 bits, e.g. 32
//! hex characters), computes the [`receipt`] and hands both to the member; it never stores the
//! nonce. It stores the receipt with the ballot. While the proposal is open, that ballot row is
//! linked to the member (so they can see and change their vote); when a secret proposal closes,
//! the server unlinks it: no voter, no time of casting, a fresh id, so nothing ties a counted
//! ballot or its receipt to a member any more. At close, the result lists the receipts of the
//! ballots counted ([`crate::tally::Outcome::with_receipts`]); the member finds theirs there,
//! and can recompute it from their ballot and nonce ([`verify`]) to see that it commits to what
//! they voted.
//!
//! `receipt = hex(SHA-256("herd-ballot-receipt-v1\n" ‖ proposal_id ‖ "\n" ‖ canonical ballot
//! JSON ‖ "\n" ‖ nonce))`, with `proposal_id` in decimal. The prefix keeps these hashes apart from
//! any other SHA-256 use; the newlines separate fields that cannot themselves contain a raw
//! newline (the nonce, last, may contain anything). Without the nonce, the few possible ballots
//! of a consent vote could be hashed by anyone and matched against the published list; with it,
//! a receipt reveals nothing about the ballot.
//!
//! A changed vote gets a new receipt; only the latest ballot's receipt is listed at close.

use sha2::{Digest, Sha256};

use crate::ballot::ValidBallot;

const DOMAIN: &[u8] = b"herd-ballot-receipt-v1\n";

/// The receipt of `ballot` (checked against `options`) on proposal `proposal_id`, with the
/// caller's random `nonce`: 64 lowercase hex characters.
pub fn receipt(proposal_id: i64, ballot: &ValidBallot, options: &[String], nonce: &str) -> String {
    receipt_for_json(proposal_id, &ballot.canonical_json(options), nonce)
}

/// The receipt of an already canonical ballot JSON text (as [`ValidBallot::canonical_json`]
/// writes it), e.g. one stored by the server.
pub fn receipt_for_json(proposal_id: i64, canonical_ballot_json: &str, nonce: &str) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(proposal_id.to_string().as_bytes());
    h.update(b"\n");
    h.update(canonical_ballot_json.as_bytes());
    h.update(b"\n");
    h.update(nonce.as_bytes());
    let digest = h.finalize();
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether `receipt` is the receipt of this ballot and nonce (compared case-insensitively).
pub fn verify(
    receipt_hex: &str,
    proposal_id: i64,
    ballot: &ValidBallot,
    options: &[String],
    nonce: &str,
) -> bool {
    receipt(proposal_id, ballot, options, nonce).eq_ignore_ascii_case(receipt_hex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::{validate, Ballot};
    use crate::bylaws::{DecisionRule, Method, TieRule};

    fn consent_rule() -> DecisionRule {
        DecisionRule {
            method: Method::Consent,
            min_days: 6.0,
            urgent_min_days: None,
            agree_share: Some(0.5),
            block_override_share: Some(0.9),
            quorum_share: 0.0,
            tie: TieRule::StatusQuo,
            dots: None,
            max_score: None,
            seats: None,
        }
    }

    fn choice(c: &str) -> ValidBallot {
        validate(
            &consent_rule(),
            &[],
            &Ballot::Choice {
                choice: c.to_string(),
            },
        )
        .unwrap()
    }

    #[test]
    fn known_vector() {
        // Recomputable by hand:
        // printf 'herd-ballot-receipt-v1\n42\n{"choice":"agree"}\nnonce' | sha256sum
        let r = receipt(42, &choice("agree"), &[], "nonce");
        assert_eq!(r.len(), 64);
        assert_eq!(r, receipt_for_json(42, r#"{"choice":"agree"}"#, "nonce"));
        assert_eq!(
            r,
            "557fe4a9dfa07fe89f83b951e65ef181369652d3c5c47543923cef3431512af8"
        );
    }

    #[test]
    fn every_input_changes_the_receipt() {
        let base = receipt(1, &choice("agree"), &[], "n1");
        assert_ne!(base, receipt(2, &choice("agree"), &[], "n1"));
        assert_ne!(base, receipt(1, &choice("block"), &[], "n1"));
        assert_ne!(base, receipt(1, &choice("agree"), &[], "n2"));
        assert_eq!(base, receipt(1, &choice("agree"), &[], "n1"));
        assert!(base
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }

    #[test]
    fn verify_accepts_only_the_matching_ballot() {
        let r = receipt(7, &choice("disagree"), &[], "abc");
        assert!(verify(&r, 7, &choice("disagree"), &[], "abc"));
        assert!(verify(
            &r.to_uppercase(),
            7,
            &choice("disagree"),
            &[],
            "abc"
        ));
        assert!(!verify(&r, 7, &choice("agree"), &[], "abc"));
        assert!(!verify(&r, 8, &choice("disagree"), &[], "abc"));
    }
}
