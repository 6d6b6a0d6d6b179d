/* The child and podinit itself as processes: spawning and reaping, sessions and the terminal, exit. */
#include "native_module.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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
    native_restore_inherited_mask();
    execvp(argv[0], argv);
    int err = errno;
    while (write(report_fd, &err, sizeof err) < 0 && errno == EINTR) {
    }
    _exit(127);
}

/* The supervisor tells the user's mistake (exec: exit 126 or 127) from podinit's (fork), so a
 * failed spawn says which step failed beside the errno. */
static JSValue spawn_failure(JSContext *ctx, const char *stage, int err)
{
    JSValue failure = native_failure(ctx, err);
    if (!JS_IsException(failure))
        JS_SetPropertyStr(ctx, failure, "stage", JS_NewString(ctx, stage));
    return failure;
}

/* spawn(argv, terminal): runs argv[0] (PATH lookup) in a new session (or, for
 * TERMINAL_FOREGROUND_GROUP, a new process group) with podinit's inherited signal mask. Returns the
 * child's pid; a failure with stage "exec" when it could not be executed (the failed child has then
 * already been reaped), stage "fork" when the pipe or the fork failed. */
NATIVE_FUNCTION(js_spawn)
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
        return spawn_failure(ctx, "fork", err);
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
        return spawn_failure(ctx, "fork", fork_errno);
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
        return spawn_failure(ctx, "exec", exec_errno);
    }
    return JS_NewInt32(ctx, pid);
}

/* reapAll(watch): waitpid(-1, WNOHANG | WUNTRACED) until no exited child is left, in one call
 * because thousands of orphans can exit at once. Returns [others, state, exitCode, signal,
 * stopSignal]: `others` counts children other than `watch`; state bit 1 means `watch` was reaped
 * (code and signal follow), bit 2 that no child is left at all; stopSignal is the signal that
 * stopped `watch` since the last call, or 0 (job control: see the supervisor). Other children's
 * stops are not podinit's business and pass unnoticed. */
NATIVE_FUNCTION(js_reap_all)
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
    const int32_t fields[] = { others, state, code, signal, stop_signal };
    JSValue result = JS_NewArray(ctx);
    for (uint32_t i = 0; i < countof(fields); i++)
        JS_SetPropertyUint32(ctx, result, i, JS_NewInt32(ctx, fields[i]));
    return result;
}

/* setSubreaper(): adopt orphaned descendants when podinit is not PID 1. */
NATIVE_FUNCTION(js_set_subreaper)
{
    return native_outcome(ctx, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno);
}

NATIVE_FUNCTION(js_getpid)
{
    return JS_NewInt32(ctx, getpid());
}

/* isSessionLeader(): only a session leader can hand its terminal over to a new session. */
NATIVE_FUNCTION(js_is_session_leader)
{
    return JS_NewBool(ctx, getsid(0) == getpid());
}

/* detachTerminal(): give up stdin as controlling terminal so the child's new session can take it. */
NATIVE_FUNCTION(js_detach_terminal)
{
    if (ioctl(STDIN_FILENO, TIOCNOTTY) != 0)
        return native_failure(ctx, errno);
    native_discard_hangup();
    return JS_NewInt32(ctx, 0);
}

/* handForeground(pgid): when podinit's own process group is the terminal's foreground (a shell
 * resumed the job with `fg`), hands the terminal to `pgid` again. Fails with ENOTTY without a
 * terminal, EPERM when podinit is in the background (`bg`) and so has no terminal to give. */
NATIVE_FUNCTION(js_hand_foreground)
{
    int32_t pgid;
    if (JS_ToInt32(ctx, &pgid, argv[0]))
        return JS_EXCEPTION;
    pid_t foreground = tcgetpgrp(STDIN_FILENO);
    if (foreground < 0)
        return native_failure(ctx, errno);
    if (foreground == pgid)
        return JS_NewInt32(ctx, 0);
    if (foreground != getpgrp())
        return native_failure(ctx, EPERM);
    /* podinit's group holds the terminal, so the kernel lets it hand the terminal on. */
    return native_outcome(ctx, tcsetpgrp(STDIN_FILENO, pgid) == 0 ? 0 : errno);
}

NATIVE_FUNCTION(js_isatty)
{
    int32_t fd;
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    return JS_NewBool(ctx, isatty(fd));
}

/* exit(code): ends podinit now. */
NATIVE_FUNCTION(js_exit)
{
    int32_t code;
    if (JS_ToInt32(ctx, &code, argv[0]))
        code = 70; /* EX_SOFTWARE, as main.c: podinit itself went wrong */
    if (saved_foreground > 0)
        tcsetpgrp(STDIN_FILENO, saved_foreground);
    fflush(NULL);
    _exit(code);
    return JS_UNDEFINED;
}
