//! Signing keys: RSA-2048 generated and PEM-encoded with `rsa` (0.10), signatures made and
//! checked with aws-lc-rs on the hot path. Local keys are generated on first need and kept in
//! `actor_keys`; a process-wide cache holds the parsed private keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, RsaKeyPair, UnparsedPublicKey};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::{PrivateKey, PublicKey};
use spki::{DecodePublicKey, EncodePublicKey};

use crate::state::AppState;
use crate::storage::federation as store;

/// A private key ready to sign, with its public half in PEM (SPKI) for actor documents.
pub struct SigningKey {
    pair: RsaKeyPair,
    pub public_pem: String,
}

impl SigningKey {
    /// A key from its PKCS#8 private PEM and SPKI public PEM (benches and tests).
    pub fn from_pem(private_pem: &str, public_pem: &str) -> anyhow::Result<SigningKey> {
        parse_private(private_pem, public_pem)
    }

    pub fn sign(&self, message: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut sig,
            )
            .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
        Ok(sig)
    }
}

/// Parsed private keys by owner, and the turn to read or make one not cached yet.
#[derive(Default)]
pub struct KeyCache(
    Mutex<HashMap<String, Arc<SigningKey>>>,
    tokio::sync::Mutex<()>,
);

/// A fresh RSA-2048 key pair as (SPKI public PEM, PKCS#8 private PEM).
pub fn generate() -> anyhow::Result<(String, String)> {
    let private = PrivateKey::new(&mut getrandom::SysRng, 2048)?;
    let public = PublicKey::from(&private);
    let public_pem = public.to_public_key_pem(LineEnding::LF)?;
    let private_pem = private.to_pkcs8_pem(LineEnding::LF)?.to_string();
    Ok((public_pem, private_pem))
}

fn parse_private(private_pem: &str, public_pem: &str) -> anyhow::Result<SigningKey> {
    let private = PrivateKey::from_pkcs8_pem(private_pem)?;
    let der = private.to_pkcs8_der()?;
    let pair = RsaKeyPair::from_pkcs8(der.as_bytes())
        .map_err(|e| anyhow::anyhow!("aws-lc-rs refused the key: {e}"))?;
    Ok(SigningKey {
        pair,
        public_pem: public_pem.to_string(),
    })
}

/// The signing key of `owner` (a local account id, `instance` or `coop`), made on first need.
pub async fn signing_key(state: &AppState, owner: &str) -> anyhow::Result<Arc<SigningKey>> {
    if let Some(k) = state
        .federation
        .keys
        .0
        .lock()
        .map_err(|_| anyhow::anyhow!("key cache poisoned"))?
        .get(owner)
    {
        return Ok(k.clone());
    }
    // One caller at a time reads or makes a key that is not cached yet: a burst that needs
    // the instance key (signed GETs of unknown actors) makes it once, not once per request.
    let _turn = state.federation.keys.1.lock().await;
    if let Some(k) = state
        .federation
        .keys
        .0
        .lock()
        .map_err(|_| anyhow::anyhow!("key cache poisoned"))?
        .get(owner)
    {
        return Ok(k.clone());
    }
    let row = match store::key(&state.db.pool, owner).await? {
        Some(row) => row,
        None => {
            // Generation is CPU-bound (about 0.1–1 s): keep it off the async workers.
            let (public_pem, private_pem) = tokio::task::spawn_blocking(generate).await??;
            let now = state.clock.now_micros();
            store::insert_key(&state.db.pool, owner, &public_pem, &private_pem, now).await?;
            store::key(&state.db.pool, owner)
                .await?
                .ok_or_else(|| anyhow::anyhow!("key for {owner} vanished"))?
        }
    };
    let key = Arc::new(parse_private(&row.private_key_pem, &row.public_key_pem)?);
    state
        .federation
        .keys
        .0
        .lock()
        .map_err(|_| anyhow::anyhow!("key cache poisoned"))?
        .insert(owner.to_string(), key.clone());
    Ok(key)
}

/// A remote public key PEM (SPKI `BEGIN PUBLIC KEY` or PKCS#1 `BEGIN RSA PUBLIC KEY`) as
/// PKCS#1 DER, the form aws-lc-rs verifies with. None when it is not an RSA key we accept.
pub fn public_der(pem: &str) -> Option<Vec<u8>> {
    let pem = pem.trim();
    let key = PublicKey::from_public_key_pem(pem)
        .or_else(|_| PublicKey::from_pkcs1_pem(pem))
        .ok()?;
    key.to_pkcs1_der().ok().map(|d| d.as_bytes().to_vec())
}

/// Parsed remote keys by their PEM: turning a PEM into a key costs about as much as the
/// verification itself, and an inbox burst verifies the same few keys over and over.
/// Bounded: emptied when full (keys are cheap to parse again).
static VERIFIERS: std::sync::LazyLock<Mutex<HashMap<String, Arc<signature::ParsedPublicKey>>>> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));
const MAX_VERIFIERS: usize = 4096;

/// A verifier for a remote public key PEM (see [`public_der`]), parsed once per process.
pub fn verifier(pem: &str) -> Option<Arc<signature::ParsedPublicKey>> {
    if let Some(hit) = VERIFIERS.lock().ok()?.get(pem) {
        return Some(hit.clone());
    }
    let der = public_der(pem)?;
    let parsed = UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
        .parse()
        .ok()?;
    let parsed = Arc::new(parsed);
    let mut cache = VERIFIERS.lock().ok()?;
    if cache.len() >= MAX_VERIFIERS {
        cache.clear();
    }
    cache.insert(pem.to_string(), parsed.clone());
    Some(parsed)
}

/// RSASSA-PKCS1-v1_5 with SHA-256 with a key from [`verifier`].
pub fn verify_parsed(key: &signature::ParsedPublicKey, message: &[u8], sig: &[u8]) -> bool {
    key.verify_sig(message, sig).is_ok()
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (rsa-sha256 and hs2019), keys of 2048 to 8192 bits.
pub fn verify(public_pkcs1_der: &[u8], message: &[u8], sig: &[u8]) -> bool {
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public_pkcs1_der)
        .verify(message, sig)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_signs_and_its_public_pem_verifies() {
        let (public_pem, private_pem) = generate().expect("generate");
        assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let key = parse_private(&private_pem, &public_pem).expect("parse");
        let sig = key.sign(b"hello").expect("sign");
        let der = public_der(&public_pem).expect("der");
        assert!(verify(&der, b"hello", &sig));
        assert!(!verify(&der, b"hellO", &sig));
        // The PKCS#1 form of the same key is accepted too.
        let pkcs1 = PublicKey::from_public_key_pem(&public_pem)
            .expect("spki")
            .to_pkcs1_pem(LineEnding::LF)
            .expect("pkcs1");
        assert_eq!(public_der(&pkcs1), Some(der));
        assert_eq!(public_der("not a key"), None);
        // The parsed-once verifier agrees, from the cache as from a fresh parse.
        for _ in 0..2 {
            let v = verifier(&public_pem).expect("verifier");
            assert!(verify_parsed(&v, b"hello", &sig));
            assert!(!verify_parsed(&v, b"hellO", &sig));
        }
        assert!(verifier("not a key").is_none());
    }
}
