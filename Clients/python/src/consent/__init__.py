"""Generated protobuf modules of the ConsentHub contract (Proto/consent)."""
