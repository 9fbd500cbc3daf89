#ifndef CONSENTHUB_SHIM_CRYPTO_H
#define CONSENTHUB_SHIM_CRYPTO_H
// Wrappers of EVP/X509/BN macros (owned by ConsentOpenSSL/Crypto and Certificates).
#endif
