// Makes Synchronization.Mutex visible to ThreadSanitizer on Linux
// (Tools/sanitizers.sh thread preloads it; docs/FUZZING.md, "Sanitizers").
//
// Mutex's fast paths (one compare-and-exchange to lock, one to unlock) are
// inlined into our code, so ThreadSanitizer sees them. Its contended paths,
// _MutexHandle._lockSlow, _tryLockSlow and _unlockSlow, live in the
// uninstrumented libswiftSynchronization.so: they spin with their own
// compare-and-exchange, then take or hand over the lock in the kernel
// (FUTEX_LOCK_PI / FUTEX_UNLOCK_PI). ThreadSanitizer sees neither, so every
// contended lock looks like no lock, and it reports each access to the
// protected state as a race (the first run reported LogCore's `shared`, taken
// by an appender and the writer thread). This library interposes the three
// slow paths and tells ThreadSanitizer what they did: acquire after a slow
// lock, release before a slow unlock, on the futex word, the address the
// inlined fast paths synchronise on.
//
// The slow paths use the Swift calling convention with the futex word's
// address as `self` (r13 on x86-64), which clang spells swiftcall with a
// swift_context parameter. In a process without ThreadSanitizer (PostgreSQL,
// Python, started by the tests with the same environment) nothing calls them.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>

#define SWIFTCALL __attribute__((swiftcall))
#define SELF __attribute__((swift_context))

typedef SWIFTCALL void (*LockSlow)(uint32_t selfId, void *SELF word);
typedef SWIFTCALL bool (*TryLockSlow)(void *SELF word);
typedef SWIFTCALL void (*UnlockSlow)(void *SELF word);
typedef void (*TsanSync)(void *address);

#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

static void *next(const char *name) { return dlsym(RTLD_NEXT, name); }

static void tsan(const char *name, void *word) {
    TsanSync sync = (TsanSync)dlsym(RTLD_DEFAULT, name);
    if (sync) sync(word);
}

SWIFTCALL void lockSlow(uint32_t selfId, void *SELF word) __asm__(LOCK_SLOW);
SWIFTCALL void lockSlow(uint32_t selfId, void *SELF word) {
    static LockSlow real;
    if (!real) real = (LockSlow)next(LOCK_SLOW);
    real(selfId, word);
    tsan("__tsan_acquire", word);
}

SWIFTCALL bool tryLockSlow(void *SELF word) __asm__(TRY_LOCK_SLOW);
SWIFTCALL bool tryLockSlow(void *SELF word) {
    static TryLockSlow real;
    if (!real) real = (TryLockSlow)next(TRY_LOCK_SLOW);
    bool locked = real(word);
    if (locked) tsan("__tsan_acquire", word);
    return locked;
}

SWIFTCALL void unlockSlow(void *SELF word) __asm__(UNLOCK_SLOW);
SWIFTCALL void unlockSlow(void *SELF word) {
    static UnlockSlow real;
    if (!real) real = (UnlockSlow)next(UNLOCK_SLOW);
    tsan("__tsan_release", word);
    real(word);
}
