// The ConsentTransport module; see docs/ARCHITECTURE.md.
