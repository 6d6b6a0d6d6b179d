/* podinit's native module: the Linux process and signal calls QuickJS lacks. Mechanism only: every
 * decision (what to forward, when to kill, which exit code) is made in TypeScript. Expected outcomes
 * come back as values (0, a pid, a negative errno); only misuse throws. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quickjs.h"

#define countof(a) (sizeof(a) / sizeof((a)[0]))

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

/* blockSignals(): the outcome of the block main() did: 0 or an errno. */
static JSValue js_block_signals(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    if (block_errno < 0)
        podinit_native_block_signals();
    return JS_NewInt32(ctx, block_errno);
}

/* waitSignal(timeoutMs): the next pending signal's number, or 0 when the timeout passed first. */
static JSValue js_wait_signal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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
    return JS_ThrowInternalError(ctx, "sigtimedwait failed: %s", strerror(errno));
}

/* Bytes cross into JavaScript as strings and come back unchanged, valid UTF-8 or not: argv, the
 * environment, paths and output are bytes to the kernel. Valid UTF-8 stays as it is; each byte of
 * an invalid sequence becomes the lone surrogate U+DC80..U+DCFF (the scheme of Python's
 * surrogateescape). QuickJS writes a lone surrogate back out as the three bytes ED B2|B3 xx, which
 * string_to_bytes turns into the original byte. Without it a non-UTF-8 argument reached the child
 * as U+FFFD. */

/* The length of the valid UTF-8 sequence at p (1 to 4), or 0: no overlong form, no surrogate,
 * nothing above U+10FFFF. */
static size_t utf8_sequence(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t code, least;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, code = c & 0x1F, least = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, code = c & 0x0F, least = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, code = c & 0x07, least = 0x10000;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (p[i] & 0x3F);
    }
    if (code < least || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return n;
}

static JSValue string_from_bytes(JSContext *ctx, const char *bytes, size_t len)
{
    const unsigned char *p = (const unsigned char *)bytes;
    size_t valid = 0, n;
    while (valid < len && (n = utf8_sequence(p + valid, len - valid)) > 0)
        valid += n;
    if (valid == len)
        return JS_NewStringLen(ctx, bytes, len);
    char *escaped = malloc(len * 3);
    if (!escaped)
        return JS_ThrowOutOfMemory(ctx);
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        n = utf8_sequence(p + i, len - i);
        if (n > 0) {
            memcpy(escaped + out, p + i, n);
            out += n, i += n;
            continue;
        }
        uint32_t code = 0xDC00 + p[i++]; /* an invalid byte is never ASCII: 0xDC80 to 0xDCFF */
        escaped[out++] = (char)(0xE0 | (code >> 12));
        escaped[out++] = (char)(0x80 | ((code >> 6) & 0x3F));
        escaped[out++] = (char)(0x80 | (code & 0x3F));
    }
    JSValue string = JS_NewStringLen(ctx, escaped, out);
    free(escaped);
    return string;
}

/* The bytes a string stands for (see string_from_bytes), NUL-terminated, to be released with
 * free(); NULL with an exception pending. */
static char *string_to_bytes(JSContext *ctx, JSValueConst value, size_t *length)
{
    size_t len;
    const char *utf8 = JS_ToCStringLen(ctx, &len, value);
    if (!utf8)
        return NULL;
    char *bytes = malloc(len + 1);
    if (!bytes) {
        JS_FreeCString(ctx, utf8);
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)utf8;
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        if (p[i] == 0xED && i + 2 < len && (p[i + 1] == 0xB2 || p[i + 1] == 0xB3)) {
            bytes[out++] = (char)(((p[i + 1] & 0x03) << 6) | (p[i + 2] & 0x3F));
            i += 3;
        } else {
            bytes[out++] = (char)p[i++];
        }
    }
    bytes[out] = '\0';
    JS_FreeCString(ctx, utf8);
    if (length)
        *length = out;
    return bytes;
}

static void free_c_argv(char **argv, int count)
{
    for (int i = 0; i < count; i++)
        free(argv[i]);
    free(argv);
}

static char **to_c_argv(JSContext *ctx, JSValueConst array, int *count)
{
    int64_t len = 0;
    JSValue length = JS_GetPropertyStr(ctx, array, "length");
    int bad = JS_ToInt64(ctx, &len, length);
    JS_FreeValue(ctx, length);
    if (bad || len < 1 || len > 100000) {
        JS_ThrowTypeError(ctx, "spawn needs a non-empty array of strings");
        return NULL;
    }
    char **out = calloc((size_t)len + 1, sizeof(char *));
    if (!out) {
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    for (int64_t i = 0; i < len; i++) {
        JSValue item = JS_GetPropertyUint32(ctx, array, (uint32_t)i);
        out[i] = string_to_bytes(ctx, item, NULL);
        JS_FreeValue(ctx, item);
        if (!out[i]) {
            free_c_argv(out, (int)i);
            return NULL;
        }
    }
    *count = (int)len;
    return out;
}

/* How the child gets stdin's terminal (spawn's second argument). */
enum { TERMINAL_NONE = 0, TERMINAL_SESSION = 1, TERMINAL_FOREGROUND_GROUP = 2 };

/* The foreground process group before a TERMINAL_FOREGROUND_GROUP child took the terminal; exit()
 * gives the terminal back to it so the shell that started podinit finds its terminal as it left it. */
static pid_t saved_foreground = -1;

/* The child's side of spawn: only async-signal-safe calls between fork and exec. */
static void exec_child(char **argv, int terminal, int report_fd)
{
    if (terminal == TERMINAL_FOREGROUND_GROUP) {
        /* podinit is not the session leader, so the terminal cannot move to a new session: the child
         * leads a process group in podinit's session and becomes the terminal's foreground. SIGTTOU
         * is still blocked here, so tcsetpgrp works from the background. */
        setpgid(0, 0);
        tcsetpgrp(STDIN_FILENO, getpid());
    } else {
        setsid();
        if (terminal == TERMINAL_SESSION)
            ioctl(STDIN_FILENO, TIOCSCTTY, 0); /* not a tty, or someone else's: run without one */
    }
    mask_signals(SIG_SETMASK, &inherited_mask, NULL);
    execvp(argv[0], argv);
    int err = errno;
    while (write(report_fd, &err, sizeof err) < 0 && errno == EINTR) {
    }
    _exit(127);
}

/* Added to the errno when podinit could not even fork: the command was never tried. */
#define SPAWN_FORK_FAILED 4096

/* spawn(argv, terminal): runs argv[0] (PATH lookup) in a new session (or, for
 * TERMINAL_FOREGROUND_GROUP, a new process group) with podinit's inherited signal mask. Returns the
 * child's pid; -errno when it could not be executed (the failed child has then already been
 * reaped); -(SPAWN_FORK_FAILED + errno) when the pipe or the fork failed. */
static JSValue js_spawn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int count = 0;
    char **child_argv = to_c_argv(ctx, argv[0], &count);
    if (!child_argv)
        return JS_EXCEPTION;
    int32_t terminal;
    if (JS_ToInt32(ctx, &terminal, argv[1])) {
        free_c_argv(child_argv, count);
        return JS_EXCEPTION;
    }
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        int err = errno;
        free_c_argv(child_argv, count);
        return JS_NewInt32(ctx, -(SPAWN_FORK_FAILED + err));
    }
    if (terminal == TERMINAL_FOREGROUND_GROUP)
        saved_foreground = tcgetpgrp(STDIN_FILENO);
    pid_t pid = fork();
    if (pid == 0) {
        close(report[0]);
        exec_child(child_argv, terminal, report[1]);
    }
    if (pid > 0 && terminal == TERMINAL_FOREGROUND_GROUP)
        setpgid(pid, pid); /* also from this side, so the group exists before spawn returns */
    int fork_errno = errno;
    close(report[1]);
    free_c_argv(child_argv, count);
    if (pid < 0) {
        close(report[0]);
        return JS_NewInt32(ctx, -(SPAWN_FORK_FAILED + fork_errno));
    }
    /* The pipe closes on a successful exec; otherwise it carries the exec errno. */
    int exec_errno = 0;
    ssize_t got;
    do {
        got = read(report[0], &exec_errno, sizeof exec_errno);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == sizeof exec_errno) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        return JS_NewInt32(ctx, -exec_errno);
    }
    return JS_NewInt32(ctx, pid);
}

/* reapAll(watch): waitpid(-1, WNOHANG | WUNTRACED) until no exited child is left, in one call
 * because thousands of orphans can exit at once. Returns [others, state, exitCode, signal,
 * stopSignal]: `others` counts children other than `watch`; state bit 1 means `watch` was reaped
 * (code and signal follow), bit 2 that no child is left at all; stopSignal is the signal that
 * stopped `watch` since the last call, or 0 (job control: see the supervisor). Other children's
 * stops are not podinit's business and pass unnoticed. */
static JSValue js_reap_all(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t watch;
    if (JS_ToInt32(ctx, &watch, argv[0]))
        return JS_EXCEPTION;
    int32_t others = 0, state = 0, code = 0, signal = 0, stop_signal = 0;
    for (;;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0) {
            state |= 2; /* ECHILD */
            break;
        }
        if (pid == 0)
            break;
        if (WIFSTOPPED(status)) {
            if (pid == watch)
                stop_signal = WSTOPSIG(status);
        } else if (pid == watch) {
            state |= 1;
            code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
            signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        } else {
            others++;
        }
    }
    JSValue result = JS_NewArray(ctx);
    JS_SetPropertyUint32(ctx, result, 0, JS_NewInt32(ctx, others));
    JS_SetPropertyUint32(ctx, result, 1, JS_NewInt32(ctx, state));
    JS_SetPropertyUint32(ctx, result, 2, JS_NewInt32(ctx, code));
    JS_SetPropertyUint32(ctx, result, 3, JS_NewInt32(ctx, signal));
    JS_SetPropertyUint32(ctx, result, 4, JS_NewInt32(ctx, stop_signal));
    return result;
}

/* kill(pid, signal): 0 or an errno (ESRCH when nothing matched). */
static JSValue js_kill(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t pid, sig;
    if (JS_ToInt32(ctx, &pid, argv[0]) || JS_ToInt32(ctx, &sig, argv[1]))
        return JS_EXCEPTION;
    return JS_NewInt32(ctx, kill(pid, sig) == 0 ? 0 : errno);
}

/* setSubreaper(): adopt orphaned descendants when podinit is not PID 1. 0 or an errno. */
static JSValue js_set_subreaper(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return JS_NewInt32(ctx, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno);
}

static JSValue js_getpid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return JS_NewInt32(ctx, getpid());
}

/* isSessionLeader(): only a session leader can hand its terminal over to a new session. */
static JSValue js_is_session_leader(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return JS_NewBool(ctx, getsid(0) == getpid());
}

/* detachTerminal(): give up stdin as controlling terminal so the child's new session can take it.
 * A session leader's detach sends SIGHUP and SIGCONT to itself; they are consumed here so they
 * are not forwarded to the child as if someone had sent them. Returns 0 or an errno. */
static JSValue js_detach_terminal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    if (ioctl(STDIN_FILENO, TIOCNOTTY) != 0)
        return JS_NewInt32(ctx, errno);
    if (signals_blocked) {
        const kernel_sigset hangup = (UINT64_C(1) << (SIGHUP - 1)) | (UINT64_C(1) << (SIGCONT - 1));
        struct timespec none = { 0, 0 };
        while (syscall(SYS_rt_sigtimedwait, &hangup, NULL, &none, KERNEL_SIGSET_SIZE) > 0) {
        }
    }
    return JS_NewInt32(ctx, 0);
}

/* handForeground(pgid): when podinit's own process group is the terminal's foreground (a shell
 * resumed the job with `fg`), hands the terminal to `pgid` again. 0, or an errno: ENOTTY without a
 * terminal, EPERM when podinit is in the background (`bg`) and so has no terminal to give. */
static JSValue js_hand_foreground(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t pgid;
    if (JS_ToInt32(ctx, &pgid, argv[0]))
        return JS_EXCEPTION;
    pid_t foreground = tcgetpgrp(STDIN_FILENO);
    if (foreground < 0)
        return JS_NewInt32(ctx, errno);
    if (foreground == pgid)
        return JS_NewInt32(ctx, 0);
    if (foreground != getpgrp())
        return JS_NewInt32(ctx, EPERM);
    /* podinit's group holds the terminal, so the kernel lets it hand the terminal on. */
    return JS_NewInt32(ctx, tcsetpgrp(STDIN_FILENO, pgid) == 0 ? 0 : errno);
}

static JSValue js_isatty(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t fd;
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    return JS_NewBool(ctx, isatty(fd));
}

/* monotonicMs(): milliseconds on a clock that never jumps, for deadlines. */
static JSValue js_monotonic_ms(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return JS_NewFloat64(ctx, (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}

/* closeInheritedFds(): close every descriptor above stderr in podinit itself (after the child has
 * its copies), so podinit holds no file, socket or mount busy. */
static JSValue js_close_inherited_fds(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
        return JS_NewInt32(ctx, 0);
#endif
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        close((int)fd);
    return JS_NewInt32(ctx, 0);
}

/* copySelf(path): writes podinit's own executable to a new file at path (which must not exist),
 * mode 0755, flushed to disk. Returns 0 or an errno; a partial file is removed. */
static JSValue js_copy_self(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    char *path = string_to_bytes(ctx, argv[0], NULL);
    if (!path)
        return JS_EXCEPTION;
    int err = 0;
    int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    int out = -1;
    if (in < 0) {
        err = errno;
        goto done;
    }
    out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    if (out < 0) {
        err = errno;
        goto done;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            break;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                err = errno;
                break;
            }
            off += w;
        }
        if (err)
            break;
    }
    /* The umask may have narrowed the mode given to open. */
    if (!err && fchmod(out, 0755) != 0)
        err = errno;
    if (!err && fsync(out) != 0)
        err = errno;
done:
    if (out >= 0 && close(out) != 0 && !err)
        err = errno;
    if (in >= 0)
        close(in);
    if (err && out >= 0)
        unlink(path);
    free(path);
    return JS_NewInt32(ctx, err);
}

/* readFile(path): a small file's contents as a string (kernel files like /proc/N/stat report size 0,
 * so they must be read to the end rather than measured), or null when it cannot be read. */
static JSValue js_read_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    char *path = string_to_bytes(ctx, argv[0], NULL);
    if (!path)
        return JS_EXCEPTION;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return JS_NULL;
    char buf[8192];
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fd, buf + used, sizeof buf - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == sizeof buf)
            break;
    }
    close(fd);
    return string_from_bytes(ctx, buf, used);
}

/* errnoName(errno): the symbolic name, for messages and for TypeScript decisions. */
static JSValue js_errno_name(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    static const struct { int num; const char *name; } names[] = {
        { EPERM, "EPERM" },   { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },   { EINTR, "EINTR" },
        { EIO, "EIO" },       { E2BIG, "E2BIG" },   { ENOEXEC, "ENOEXEC" }, { EAGAIN, "EAGAIN" },
        { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EEXIST, "EEXIST" }, { ENOTDIR, "ENOTDIR" },
        { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ETXTBSY, "ETXTBSY" }, { ENOSPC, "ENOSPC" },
        { EROFS, "EROFS" },   { ELOOP, "ELOOP" },   { ENAMETOOLONG, "ENAMETOOLONG" }, { ECHILD, "ECHILD" },
        { ENOTTY, "ENOTTY" }, { EXDEV, "EXDEV" },   { EBUSY, "EBUSY" },   { ELIBBAD, "ELIBBAD" },
    };
    int32_t num;
    if (JS_ToInt32(ctx, &num, argv[0]))
        return JS_EXCEPTION;
    for (size_t i = 0; i < countof(names); i++) {
        if (names[i].num == num)
            return JS_NewString(ctx, names[i].name);
    }
    char fallback[24];
    snprintf(fallback, sizeof fallback, "E%d", num);
    return JS_NewString(ctx, fallback);
}

static JSValue js_strerror(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t num;
    if (JS_ToInt32(ctx, &num, argv[0]))
        return JS_EXCEPTION;
    return JS_NewString(ctx, strerror(num));
}

static int saved_argc;
static char **saved_argv;
extern char **environ;

void podinit_native_set_args(int argc, char **argv)
{
    saved_argc = argc;
    saved_argv = argv;
}

/* args(): the command line, program name first. */
static JSValue js_args(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    JSValue list = JS_NewArray(ctx);
    for (int i = 0; i < saved_argc; i++)
        JS_SetPropertyUint32(ctx, list, (uint32_t)i, string_from_bytes(ctx, saved_argv[i], strlen(saved_argv[i])));
    return list;
}

/* environ(): the environment as an object of strings. */
static JSValue js_environ(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    JSValue env = JS_NewObject(ctx);
    for (char **entry = environ; entry && *entry; entry++) {
        const char *equals = strchr(*entry, '=');
        if (!equals)
            continue;
        JSValue key = string_from_bytes(ctx, *entry, (size_t)(equals - *entry));
        JSAtom name = JS_ValueToAtom(ctx, key);
        JS_FreeValue(ctx, key);
        JS_SetProperty(ctx, env, name, string_from_bytes(ctx, equals + 1, strlen(equals + 1)));
        JS_FreeAtom(ctx, name);
    }
    return env;
}

/* exit(code): ends podinit now. */
static JSValue js_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t code;
    if (JS_ToInt32(ctx, &code, argv[0]))
        code = 70;
    if (saved_foreground > 0)
        tcsetpgrp(STDIN_FILENO, saved_foreground);
    fflush(NULL);
    _exit(code);
    return JS_UNDEFINED;
}

/* write(fd, text): writes all of text; 0 or an errno. */
static JSValue js_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t fd;
    size_t len;
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    char *text = string_to_bytes(ctx, argv[1], &len);
    if (!text)
        return JS_EXCEPTION;
    int err = 0;
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            break;
        }
        off += (size_t)n;
    }
    free(text);
    return JS_NewInt32(ctx, err);
}

/* readdir(path): the entry names (without . and ..), or null when the directory cannot be read. */
static JSValue js_readdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    char *path = string_to_bytes(ctx, argv[0], NULL);
    if (!path)
        return JS_EXCEPTION;
    DIR *dir = opendir(path);
    free(path);
    if (!dir)
        return JS_NULL;
    JSValue names = JS_NewArray(ctx);
    uint32_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        JS_SetPropertyUint32(ctx, names, count++, string_from_bytes(ctx, entry->d_name, strlen(entry->d_name)));
    }
    closedir(dir);
    return names;
}

typedef int (*path_call)(const char *);

static JSValue call_with_path(JSContext *ctx, JSValueConst arg, path_call call)
{
    char *path = string_to_bytes(ctx, arg, NULL);
    if (!path)
        return JS_EXCEPTION;
    int result = call(path);
    int err = errno;
    free(path);
    return JS_NewInt32(ctx, result == 0 ? 0 : err);
}

/* chdir(path), unlink(path): 0 or an errno. */
static JSValue js_chdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return call_with_path(ctx, argv[0], chdir);
}

static JSValue js_unlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return call_with_path(ctx, argv[0], unlink);
}

/* rename(from, to): 0 or an errno. */
static JSValue js_rename(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    char *from = string_to_bytes(ctx, argv[0], NULL);
    if (!from)
        return JS_EXCEPTION;
    char *to = string_to_bytes(ctx, argv[1], NULL);
    if (!to) {
        free(from);
        return JS_EXCEPTION;
    }
    int err = rename(from, to) == 0 ? 0 : errno;
    free(from);
    free(to);
    return JS_NewInt32(ctx, err);
}

static const JSCFunctionListEntry native_functions[] = {
    JS_CFUNC_DEF("args", 0, js_args),
    JS_CFUNC_DEF("environ", 0, js_environ),
    JS_CFUNC_DEF("exit", 1, js_exit),
    JS_CFUNC_DEF("write", 2, js_write),
    JS_CFUNC_DEF("readdir", 1, js_readdir),
    JS_CFUNC_DEF("chdir", 1, js_chdir),
    JS_CFUNC_DEF("unlink", 1, js_unlink),
    JS_CFUNC_DEF("rename", 2, js_rename),
    JS_CFUNC_DEF("blockSignals", 0, js_block_signals),
    JS_CFUNC_DEF("waitSignal", 1, js_wait_signal),
    JS_CFUNC_DEF("spawn", 2, js_spawn),
    JS_CFUNC_DEF("reapAll", 1, js_reap_all),
    JS_CFUNC_DEF("kill", 2, js_kill),
    JS_CFUNC_DEF("setSubreaper", 0, js_set_subreaper),
    JS_CFUNC_DEF("getpid", 0, js_getpid),
    JS_CFUNC_DEF("isSessionLeader", 0, js_is_session_leader),
    JS_CFUNC_DEF("detachTerminal", 0, js_detach_terminal),
    JS_CFUNC_DEF("handForeground", 1, js_hand_foreground),
    JS_CFUNC_DEF("isatty", 1, js_isatty),
    JS_CFUNC_DEF("monotonicMs", 0, js_monotonic_ms),
    JS_CFUNC_DEF("closeInheritedFds", 0, js_close_inherited_fds),
    JS_CFUNC_DEF("copySelf", 1, js_copy_self),
    JS_CFUNC_DEF("readFile", 1, js_read_file),
    JS_CFUNC_DEF("errnoName", 1, js_errno_name),
    JS_CFUNC_DEF("strerror", 1, js_strerror),
};

static int native_module_init(JSContext *ctx, JSModuleDef *m)
{
    return JS_SetModuleExportList(ctx, m, native_functions, countof(native_functions));
}

JSModuleDef *js_init_module_podinit_native(JSContext *ctx, const char *module_name)
{
    JSModuleDef *m = JS_NewCModule(ctx, module_name, native_module_init);
    if (!m)
        return NULL;
    JS_AddModuleExportList(ctx, m, native_functions, countof(native_functions));
    return m;
}
