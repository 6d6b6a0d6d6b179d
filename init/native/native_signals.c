/* Signals: the mask podinit holds them in, waiting for them against a monotonic clock, and sending them. */
#include "native_module.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The kernel's signal set: bit n-1 for signal n, 1 to 64. The C library's sigset_t and sigaddset
 * are not used for it: musl's sigaddset refuses 32-34, which it keeps for its threads (podinit has
 * none), so a mask built with it left SIGRTMIN unblocked and its default action killed podinit. */
typedef uint64_t kernel_sigset;
#define KERNEL_SIGSET_SIZE sizeof(kernel_sigset)

/* The mask podinit inherited, restored in the child so it starts as if podinit were not there. */
static kernel_sigset inherited_mask;
static int signals_blocked;

/* Every signal the kernel can deliver but KILL and STOP, which can be neither blocked nor caught. */
static const kernel_sigset ALL_SIGNALS = ~((UINT64_C(1) << (SIGKILL - 1)) | (UINT64_C(1) << (SIGSTOP - 1)));

static int mask_signals(int how, const kernel_sigset *set, kernel_sigset *old)
{
    return (int)syscall(SYS_rt_sigprocmask, how, set, old, KERNEL_SIGSET_SIZE);
}

/* Blocks every signal so that none is acted on by default (PID 1 would otherwise ignore them) and
 * all of them queue for waitSignal(). main() calls it before anything else: a SIGTERM that arrived
 * while the runtime starts must wait in the queue, not be lost (as PID 1) or kill podinit. */
static int block_errno = -1;

void podinit_native_block_signals(void)
{
    if (mask_signals(SIG_SETMASK, &ALL_SIGNALS, &inherited_mask) != 0) {
        block_errno = errno;
        return;
    }
    block_errno = 0;
    signals_blocked = 1;
}

/* Runs in the child between fork and exec, so only async-signal-safe calls. */
void native_restore_inherited_mask(void)
{
    mask_signals(SIG_SETMASK, &inherited_mask, NULL);
}

/* A session leader's terminal detach sends SIGHUP and SIGCONT to itself; consumed here so they are
 * not forwarded to the child as if someone had sent them. */
void native_discard_hangup(void)
{
    if (!signals_blocked)
        return;
    const kernel_sigset hangup = (UINT64_C(1) << (SIGHUP - 1)) | (UINT64_C(1) << (SIGCONT - 1));
    struct timespec none = { 0, 0 };
    while (syscall(SYS_rt_sigtimedwait, &hangup, NULL, &none, KERNEL_SIGSET_SIZE) > 0) {
    }
}

/* blockSignals(): the outcome of the block main() did. */
NATIVE_FUNCTION(js_block_signals)
{
    if (block_errno < 0)
        podinit_native_block_signals();
    return native_outcome(ctx, block_errno);
}

/* waitSignal(timeoutMs): the next pending signal's number, or 0 when the timeout passed first. */
NATIVE_FUNCTION(js_wait_signal)
{
    int64_t timeout_ms;
    if (JS_ToInt64(ctx, &timeout_ms, argv[0]))
        return JS_EXCEPTION;
    if (timeout_ms < 0)
        timeout_ms = 0;
    struct timespec ts = { .tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000L };
    siginfo_t info;
    int sig = (int)syscall(SYS_rt_sigtimedwait, &ALL_SIGNALS, &info, &ts, KERNEL_SIGSET_SIZE);
    /* podinit's own doing, such as the SIGPIPE of a write to a closed stderr: not the app's business.
     * Reported as a timeout so the caller recomputes its deadlines. */
    if (sig > 0 && info.si_code <= 0 && info.si_pid == getpid())
        return JS_NewInt32(ctx, 0);
    if (sig > 0)
        return JS_NewInt32(ctx, sig);
    if (errno == EAGAIN || errno == EINTR)
        return JS_NewInt32(ctx, 0);
    return native_failure(ctx, errno);
}

/* monotonicMs(): milliseconds on a clock that never jumps, for deadlines. */
NATIVE_FUNCTION(js_monotonic_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return JS_NewFloat64(ctx, (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}

/* kill(pid, signal): ESRCH when nothing matched. */
NATIVE_FUNCTION(js_kill)
{
    int32_t pid, sig;
    if (JS_ToInt32(ctx, &pid, argv[0]) || JS_ToInt32(ctx, &sig, argv[1]))
        return JS_EXCEPTION;
    return native_outcome(ctx, kill(pid, sig) == 0 ? 0 : errno);
}
