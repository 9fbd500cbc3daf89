#ifndef CONSENTHUB_COPENSSL_SHIM_H
#define CONSENTHUB_COPENSSL_SHIM_H
// OpenSSL for Swift. Function-like macros are invisible to Swift, so each one
// the project needs is wrapped as a prefixed static inline function:
// shim_tls.h for SSL/SSL_CTX, shim_crypto.h for keys, hashes and certificates.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include "shim_tls.h"
#include "shim_crypto.h"
#endif
