// The ConsentRPC module; see docs/ARCHITECTURE.md.
