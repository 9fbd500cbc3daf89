// libpq, PostgreSQL's C client library, from Debian's libpq-dev (pkg-config
// libpq). Imported by exactly one Swift module, ConsentPostgres.
#ifndef CONSENTHUB_CPOSTGRESQL_SHIM_H
#define CONSENTHUB_CPOSTGRESQL_SHIM_H
#include <libpq-fe.h>

// PG_DIAG_* are character macros Swift imports as Int32 already; these name
// the fields ConsentPostgres reads from a failed result or a notice.
static inline int cpq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int cpq_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }
static inline int cpq_diag_severity_nonlocalized(void) { return PG_DIAG_SEVERITY_NONLOCALIZED; }
#endif
