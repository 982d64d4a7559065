//! The embedded issuer's signing key and the RSA signatures of JSON Web
//! Tokens (RS256 to sign; RS256/RS384/RS512 to verify, as the backend does).
//!
//! The key is fixed and compiled in: generating a 2048-bit RSA key at runtime
//! takes seconds in a debug build, and a fixed key also gives stable `kid`s
//! and lets a test verify tokens without asking the server for its key set.
//! It protects nothing: anyone with this source can mint tokens the
//! stand-in accepts, which is exactly what a test double should allow.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::traits::PublicKeyParts as _;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use sha2::{Sha256, Sha384, Sha512};

/// The `kid` of the embedded key, in token headers and in the key set.
pub(crate) const KID: &str = "netinvite-standin-1";

/// TEST-ONLY KEY, generated once with `openssl genpkey -algorithm RSA
/// -pkeyopt rsa_keygen_bits:2048` for this stand-in. It is public (it is in
/// this file), so it must never sign anything outside tests.
const TEST_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCyLnmSlK/4GgPG
xfAJLi7XeqrCKbR4Z27IHDUgIzKzJTEl+k5ha/Pl0/FE+cPlFyWHJNwZHC97SUUJ
Lq1YLPXP9BuNrJ0AfvT5yNm4+pGAvmS0M8CU0wSkysBErQOhGSB2rHzJp7J37d8O
hD2GeFsRP9lCLQRHz0VupZB/aJ2GtS9Yo2nYvqG9PsokISHVCgPvBFYSdlipxBJW
l8jXSEnDmYxr8KY7G6/f3ha/M+LD/Mzpdu3Sj4mlwiXp31BSUxvpvyH3vsn8l8oV
XtQoHWeSelqSmzpyxjQ/djgI3FI21TGLdANyBzg1q23SYWEdfDz5HE/L/Clz2xZN
1+sA4ssXAgMBAAECggEABv59Bixw9derk0dcwzd9Xjbx8foqG9nPhupYiYDoMhEB
K2D2Z6uRoNFfdJorPthYQERJoXCySnAXViNvaXkmUvndhQOkDAtvuUhRh4nKYVfX
4xzu78iSs5dD0c5KyK2QUSg3I8FB56Q+L7cwJRGfXX94mzjiJKF1s8Cq+d1U5Z8x
S7/PxEhYg2zoS0KUVpXVw0LqoVX/8qIU4I5RkOwemeTl2Xe4efVWBG12mfrhXoi7
jxGQk6+DzZ2Yh4vfqaVpj9X26Ql1KNx8xzdH6Qs65w1vE/SvMvOjyBsNCVZXo6hZ
fph7emQvPC8ZUcFj7LD/RTrcIbvP0vfi5V2gZVLGjQKBgQDdqiM1KXLyWy73Qdoa
da28bp0+clRc9Ma+r9QXn/cLWa08emp0ulJCE2aKExAhUsBnfZ9o9kLDI3tpmfbf
qtwWv18TlQKIQx0ECboUxgkqx+ePn1ujJvCSAjK6Q3pvfcEu1DP1Ke10+qEVQSdd
x7xIGO83fDjnht2pwEhqWmPucwKBgQDNyBCy2/deANgsbg6+aYsdpXQwbd19QtgO
xiRCLyODxhLADzjgYZua5vCORTGz3f6jcDVL6d/bvf6sRrZp1eF6xDisg3BbkQMx
jNtRiXkANXfDAAKGERZk6glpIgrDbQAxMcEeRCdVbg7S4nWBKZLH7CeV8FWWVegX
fjuvhsiDzQKBgFNuRUAuMKiNr3i7HXdWEaVZ0O9/Ise2DdQZ4+9ccySfhTe9L7Jt
qqZaHP8dO7X/KpIJU2WzQt+lzD6sB6KZ8arSLtv0+vYEpLgvXQ2SmEK06TBCn8Ah
2OxrzWIUIdIy9/JDRqchN9IOv3B7jHCcy/4q/Gba56QlO+s3h0oYaYKHAoGAbpts
rlahXXuiti7p6dsdFXBLRYSoGp4FN9u0vYZM1pVumqET9zc/xkD/Z9k1X/Kg3gSA
AS/STXCQJNVVUwnNSomR1NhJWk5VoxqNAASeb0hN+RhWQu2IVfGd4U6U7nn2MnsF
zFjhs3+WpC9o7WYFKUR7+pHVzxqZx5boSe5udLkCgYBBIIQGFmZizWtYndibRXH+
+emAfoZVqSS1HD7rjdpitj4Reuy/5Iyo5ApC3HIh6qa6+RL4YCZ0/Zj25PTFhFe+
yXJCoB9b1WR1w/Vig0q5UJnxJ89mrI6sUXDVDq0RVDbCFGdskU5C/dL7442XJWeQ
Tv7fc3iIVo0Nz42efaUZVw==
-----END PRIVATE KEY-----
";

/// A second TEST-ONLY key (generated the same way) for "signed by another
/// key" cases: tokens carrying the embedded `kid` but not its signature.
#[cfg(test)]
const OTHER_TEST_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCZ0CBFMU7NP1Y8
80QXSLgSLPgEwHXZDm5J9KV4AfQvzhl0iW97MdQqsh9s59O2o7IgdJxDj/h9Flyy
yyj2Ay0oAFKg/t0LfHXpWqvJTXg1FScYQd5+2mY3R3IM5C5xx8+TZhoxCYkeQXMj
HjOiZ9p1l9SZeQqbSVUgDXEyp2qanJZB6rikBVI2bsad4skdtu08aA0/L0wZatrX
Sbbi7FoX3hX9xb1GQb6bS6FfDs8IdCtfOgFYsEwEMHtK6TrS0jHgaVG4RHdQa+Ez
jrldv3+rFcUNA2gyWpIuLx7ZyDlyp4JZ8gPHLO4ZdM/cpMIipvYeZBmOX88q7FJ7
4oHMmkixAgMBAAECggEABj1c08XBbT7ephwVxO6KphUcLiArH7Yvx/EEZesJX4eY
PYOmSbx+n4lIkFPSwT/ghePJI44DffqSYd/vPlSoaC0kLPsN102SIHhwy9qoT9n2
8ytX5fRA7Yjo0ehPUIcTLwb3NMpO3VL5I2FyJYpaQMc7JQs1oJFP4lwdPZlwUAuO
QCyEqnonWaMQ2yOlYgeT7iF1X1nvJ8cVIzXrTO2I9pgbcmAzMHi8LhUKcueh1rMV
LkvO9WxqgMQDiW6FIa+eQW5O1/bui+XUUriIWmzCAsc+0BB1RQ2iZi2x4gM25BYI
X1ECNoRqb8Iac7vSAAZotTw7WSwH+65boiMDC5YNwQKBgQDWmsdxeH+1JklT3iXB
7sD/48E7brYplGtVBYjlDfE/YtizynQoM0B7IVK2jd94Yyl0MDEDR3lU9w9vUit6
lOQ7eHMbNpI4XWso/Aq2fzEUTvlpfA7QB8Zu86O8fIOciTyF8EfkyDLaWsOpz2CY
Rao2gSBZrcH6zJehJ0gRN/l24QKBgQC3e3G40THhsKuhKk68whWGupPfyGEcGIc3
UICCNuyNBweR/HeZRTpG5nt76GtQ4mt0Kk5PG//PTU4U3yiaZFlzyJItSN7W3RvU
APsmwO+z8n3d8x8ZN+l92Ara0M6eTZp2DdbMBv4gMp8rlIQXAVVo1Kxr0CmXlrx2
pFqU67ab0QKBgBBuhXrguRaLue2cAtQYjdqJ+8+rKHOCk71M0TCIosIxtVn+1GoH
kpZa9NRZhJTZMuFcl0QjAt1IlXv2lLGsGNWc4WNiCEwciwn2UnOqxX1ClsJG53Ny
RPVV3mGePw2LTIEM5tRTp+EkNfsYj9LY8rF9rZZwQXwMkkealGANIyLBAoGBAIpP
OYhx2UIhpR7V/4h2XTe0SWf1ao59RuBBhL2jnWkplWFMiPM2phlwAEGFD/Bm3U0x
3tnvZ0PjKCq/laHcZznKRbZxKdmZzzJekvPBmG9zKcI3VIf0B8RfKL+Ni1L1eKvo
/rPJyaKHxkhZqcCVtsZRGrAiuFeWvvZIKif8DykhAoGAJ10lxcKTQVzW4OSa1/EH
E4eJbdLAVjvNAHAHcWe9NxuZgMtR+at+aueN9ooMYmy5zxYFE4Uol6z5ci7ccaIk
0Bbgteo6CWWHy/veysAp1rHmTaOTSJxI6eebafX3f2W49yYrxyuE48AhcLfhzdYa
2WXsHGFAJPYcKR5lhu55xjs=
-----END PRIVATE KEY-----
";

/// The RSA signature algorithms the backend's key check allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RsAlg {
    Rs256,
    Rs384,
    Rs512,
}

impl RsAlg {
    pub fn from_name(name: &str) -> Option<RsAlg> {
        match name {
            "RS256" => Some(RsAlg::Rs256),
            "RS384" => Some(RsAlg::Rs384),
            "RS512" => Some(RsAlg::Rs512),
            _ => None,
        }
    }
}

/// An RSA private key with its `kid`.
pub(crate) struct Key {
    kid: &'static str,
    private: RsaPrivateKey,
}

fn parse(pem: &str, kid: &'static str) -> Key {
    // The PEM is a constant of this file, checked by a unit test: a failure
    // here is a broken build, not bad input.
    let private = RsaPrivateKey::from_pkcs8_pem(pem).expect("compiled-in test key is valid");
    Key { kid, private }
}

/// The embedded issuer's key (parsed once: parsing checks the key, which is
/// not free in a debug build).
pub(crate) fn embedded() -> &'static Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(|| parse(TEST_KEY_PEM, KID))
}

/// The other test key, presenting itself under the embedded `kid`.
#[cfg(test)]
pub(crate) fn impostor() -> &'static Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(|| parse(OTHER_TEST_KEY_PEM, KID))
}

impl Key {
    /// An RS256 JWT: header `{"alg":"RS256","kid":…,"typ":"JWT"}` (or
    /// without `kid` when `with_kid` is false), the claims as given.
    pub fn sign_jwt(&self, claims: &serde_json::Value, with_kid: bool) -> String {
        let header = if with_kid {
            serde_json::json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"})
        } else {
            serde_json::json!({"alg": "RS256", "typ": "JWT"})
        };
        self.sign_raw(&header.to_string(), &claims.to_string())
    }

    /// Signs any header and payload text with RS256, for tokens whose
    /// header says something else (a test of the algorithm check).
    pub fn sign_raw(&self, header: &str, payload: &str) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signer = SigningKey::<Sha256>::new(self.private.clone());
        let signature = signer.sign(signing_input.as_bytes()).to_vec();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    pub fn public(&self) -> RsaPublicKey {
        self.private.to_public_key()
    }

    /// The public half as a JWK with `kid`, `alg` and `use`.
    pub fn jwk(&self) -> serde_json::Value {
        let public = self.public();
        serde_json::json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        })
    }
}

/// The embedded issuer's JSON Web Key Set.
pub(crate) fn embedded_jwks() -> serde_json::Value {
    serde_json::json!({ "keys": [embedded().jwk()] })
}

/// A public key from a JWK's big-endian `n` and `e`; `None` if the numbers
/// do not make an RSA key the library accepts.
pub(crate) fn public_key(n: &[u8], e: &[u8]) -> Option<RsaPublicKey> {
    RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e)).ok()
}

/// Checks a PKCS#1 v1.5 signature with the digest `alg` names.
pub(crate) fn verify(key: &RsaPublicKey, alg: RsAlg, message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = Signature::try_from(signature) else {
        return false;
    };
    let key = key.clone();
    match alg {
        RsAlg::Rs256 => VerifyingKey::<Sha256>::new(key)
            .verify(message, &signature)
            .is_ok(),
        RsAlg::Rs384 => VerifyingKey::<Sha384>::new(key)
            .verify(message, &signature)
            .is_ok(),
        RsAlg::Rs512 => VerifyingKey::<Sha512>::new(key)
            .verify(message, &signature)
            .is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_differ() {
        assert_eq!(embedded().private.size(), 256);
        assert_eq!(impostor().private.size(), 256);
        assert_ne!(embedded().public(), impostor().public());
        let jwk = embedded().jwk();
        assert_eq!(jwk["kid"], KID);
        assert_eq!(jwk["e"], "AQAB");
    }

    #[test]
    fn rs256_round_trip() {
        let token = embedded().sign_jwt(&serde_json::json!({"sub": "a"}), true);
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        let key = embedded().public();
        assert!(verify(&key, RsAlg::Rs256, input.as_bytes(), &sig));
        assert!(!verify(&key, RsAlg::Rs384, input.as_bytes(), &sig));
        assert!(!verify(
            &impostor().public(),
            RsAlg::Rs256,
            input.as_bytes(),
            &sig
        ));
        assert!(!verify(&key, RsAlg::Rs256, b"other", &sig));
        assert!(!verify(&key, RsAlg::Rs256, input.as_bytes(), b"short"));
    }
}
