#ifndef CONSENTHUB_SHIM_TLS_H
#define CONSENTHUB_SHIM_TLS_H
// Wrappers of SSL/SSL_CTX macros (owned by the TLS code in ConsentOpenSSL/TLS).
// OpenSSL spells these as function-like macros over SSL_CTX_ctrl/SSL_ctrl,
// which Swift cannot see; each wrapper is a prefixed static inline function
// with the macro's meaning and return value.
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <openssl/crypto.h>

static inline int consenthub_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int consenthub_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline long consenthub_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline void consenthub_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) {
    SSL_CTX_set_read_ahead(ctx, yes);
}

static inline long consenthub_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline int consenthub_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline int consenthub_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

// Values of macros that Swift imports badly or not at all.
static inline long consenthub_SSL_MODE_ENABLE_PARTIAL_WRITE(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE; }
static inline long consenthub_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
static inline long consenthub_SSL_SESS_CACHE_OFF(void) { return SSL_SESS_CACHE_OFF; }
static inline uint64_t consenthub_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }
static inline uint64_t consenthub_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t consenthub_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline uint64_t consenthub_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }

// OPENSSL_free is a macro over CRYPTO_free(ptr, __FILE__, __LINE__).
static inline void consenthub_OPENSSL_free(void *p) {
    OPENSSL_free(p);
}

#endif
