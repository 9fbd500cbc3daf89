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
