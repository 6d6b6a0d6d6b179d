/* A child for podinit's tests that receives every signal the kernel can deliver and writes each
 * one's number to a log, one per line: it blocks them all with the raw system call (the C
 * library refuses 32 and 33, and would leave an inherited SIG_IGN in place), so no signal takes its
 * default action, and a signal the test's parents ignore is still seen. SIGTERM ends it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: signal-recorder LOG\n", stderr);
        return 2;
    }
    uint64_t all = ~UINT64_C(0); /* the kernel leaves KILL and STOP out by itself */
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof all) != 0)
        return 3;
    int log = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0)
        return 4;
    dprintf(log, "ready\n");
    for (;;) {
        siginfo_t info;
        int sig = (int)syscall(SYS_rt_sigtimedwait, &all, &info, NULL, sizeof all);
        if (sig < 0)
            continue;
        dprintf(log, "%d\n", sig);
        if (sig == SIGTERM)
            return 0;
    }
}
