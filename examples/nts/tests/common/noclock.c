/* Preloaded into a peer daemon under test: every request to change the system
 * clock becomes a read (modes cleared) or fails, so the daemon runs but cannot
 * set, step or slew this machine's clock. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

int clock_adjtime(clockid_t id, struct timex *tx) {
    int (*real)(clockid_t, struct timex *) = dlsym(RTLD_NEXT, "clock_adjtime");
    if (tx) tx->modes = 0;
    return real(id, tx);
}
int adjtimex(struct timex *tx) {
    int (*real)(struct timex *) = dlsym(RTLD_NEXT, "adjtimex");
    if (tx) tx->modes = 0;
    return real(tx);
}
int ntp_adjtime(struct timex *tx) { return adjtimex(tx); }
int clock_settime(clockid_t id, const struct timespec *ts) { (void)id; (void)ts; errno = EPERM; return -1; }
int settimeofday(const struct timeval *tv, const struct timezone *tz) { (void)tv; (void)tz; errno = EPERM; return -1; }
