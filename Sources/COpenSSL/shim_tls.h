#ifndef CONSENTHUB_SHIM_TLS_H
#define CONSENTHUB_SHIM_TLS_H
// Wrappers of SSL/SSL_CTX macros (owned by the TLS code in ConsentOpenSSL/TLS).
#endif
