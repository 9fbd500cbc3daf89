// The ConsentOpenSSL module; see docs/ARCHITECTURE.md.
