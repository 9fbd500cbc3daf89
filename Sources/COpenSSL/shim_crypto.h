#ifndef CONSENTHUB_SHIM_CRYPTO_H
#define CONSENTHUB_SHIM_CRYPTO_H
// Wrappers of EVP/X509/BN/BIO macros (owned by ConsentOpenSSL/Crypto and
// ConsentOpenSSL/Certificates). Swift cannot call function-like macros or C
// variadic functions, so each one used is wrapped here under a `chub_` prefix.
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/ecdsa.h>
#include <openssl/bn.h>

/// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen.
/// Returns a new P-256 key owned by the caller (free with EVP_PKEY_free), or NULL.
static inline EVP_PKEY *chub_EVP_EC_gen_P256(void) {
    return EVP_EC_gen("P-256");
}

/// BIO_get_mem_data is a macro over BIO_ctrl. `*data` is borrowed from the BIO
/// and is valid until the BIO is written to or freed. Returns the length.
static inline long chub_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

/// OPENSSL_free is a macro that records the caller's file and line.
static inline void chub_OPENSSL_free(void *pointer) {
    OPENSSL_free(pointer);
}

// ECDSA on the legacy EC_KEY of a P-256 key, with r and s as 32-byte numbers.
// Why: EVP_PKEY_sign and EVP_PKEY_verify speak DER, so a token's raw r‖s was
// encoded and decoded once more around every signature (i2d/d2i, two BIGNUM
// round trips: about 5 % of an exchange's instructions). ECDSA_do_sign and
// ECDSA_do_verify run the same arithmetic on the same key without that.
// The EC_KEY functions are deprecated in OpenSSL 3.0 but present (Debian
// builds them), hence the pragma; EVP_PKEY_get1_EC_KEY keeps the legacy copy
// cached in the EVP_PKEY, and one EC_KEY may sign or verify on many threads at
// once (OpenSSL's own provider shares one per key the same way).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/// The key's EC_KEY (up-referenced: free with chub_EC_KEY_free), or NULL.
static inline EC_KEY *chub_EVP_PKEY_get1_EC_KEY(EVP_PKEY *key) {
    return EVP_PKEY_get1_EC_KEY(key);
}

static inline void chub_EC_KEY_free(EC_KEY *key) {
    EC_KEY_free(key);
}

/// Signs a digest; writes r‖s (64 bytes) to `raw`. Returns 1, or 0 on failure.
static inline int chub_ECDSA_sign_raw(EC_KEY *key, const unsigned char *digest, int digestLength, unsigned char *raw) {
    ECDSA_SIG *signature = ECDSA_do_sign(digest, digestLength, key);
    if (signature == NULL) return 0;
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(signature, &r, &s);
    int ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
    ECDSA_SIG_free(signature);
    return ok;
}

/// Verifies r‖s (64 bytes) over a digest: 1 valid, 0 not, -1 error.
static inline int chub_ECDSA_verify_raw(EC_KEY *key, const unsigned char *digest, int digestLength, const unsigned char *raw) {
    ECDSA_SIG *signature = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL);
    BIGNUM *s = BN_bin2bn(raw + 32, 32, NULL);
    if (signature == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(signature, r, s) != 1) {
        ECDSA_SIG_free(signature);
        BN_free(r);
        BN_free(s);
        return -1;
    }
    int status = ECDSA_do_verify(digest, digestLength, signature, key);  // frees r and s with it
    ECDSA_SIG_free(signature);
    return status;
}

#pragma GCC diagnostic pop

/// XN_FLAG_RFC2253 is a composite macro. This is RFC 2253 order and escaping,
/// with non-ASCII characters left as UTF-8 instead of escaped as \XX bytes.
static inline unsigned long chub_XN_FLAG_RFC2253_UTF8(void) {
    return XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
}

/// MBSTRING_UTF8 is a macro expression; names added with it are UTF8String.
static inline int chub_MBSTRING_UTF8(void) {
    return MBSTRING_UTF8;
}

#endif
