#ifndef CONSENTHUB_CPROTOBUFC_SHIM_H
#define CONSENTHUB_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>

/// `protobuf_c_empty_string` is declared as an array of unknown size, which
/// Swift cannot import; this hands out its address.
static inline char *consenthub_protobuf_c_empty_string(void) {
    return (char *)protobuf_c_empty_string;
}
#endif
