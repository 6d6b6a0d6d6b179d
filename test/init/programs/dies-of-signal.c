/* A child for the conformance suite that dies of a signal, whatever its parents left it: every
 * action is reset to the default with the raw system call (the C library refuses 32 and 33, and
 * make starts its recipes with them ignored), every signal is unblocked, and no core file is
 * written for the signals that would dump one.
 *   dies-of-signal raise N     dies of signal N at once
 *   dies-of-signal wait READY  creates the file READY, then waits for a signal to kill it */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sigaction for rt_sigaction; a default action needs no restorer. */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static int defaults_everywhere(void)
{
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    struct kernel_sigaction dfl = {SIG_DFL, 0, NULL, 0};
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP &&
            syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask) != 0)
            return -1;
    uint64_t none = 0;
    return (int)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "raise") != 0 && strcmp(argv[1], "wait") != 0))
        return 2;
    if (defaults_everywhere() != 0)
        return 3;
    if (strcmp(argv[1], "raise") == 0) {
        kill(getpid(), atoi(argv[2]));
        return 4; /* only a signal whose default action is to ignore it gets here */
    }
    int ready = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (ready < 0)
        return 5;
    close(ready);
    for (;;)
        pause();
}
