/* Files and descriptors: writing output, reading /proc, the install subcommand's copy, podinit's own fds. */
#include "native_module.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 0 or an errno; a signal arriving mid-write must not cut output short. */
static int write_all(int fd, const char *bytes, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, bytes + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        off += (size_t)n;
    }
    return 0;
}

/* Copies the rest of `in` to `out`: 0 or an errno. */
static int copy_all(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : 0;
        int err = write_all(out, buf, (size_t)n);
        if (err)
            return err;
    }
}

/* write(fd, text): writes all of text. */
NATIVE_FUNCTION(js_write)
{
    int32_t fd;
    size_t len;
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    char *text = string_to_bytes(ctx, argv[1], &len);
    if (!text)
        return JS_EXCEPTION;
    int err = write_all(fd, text, len);
    free(text);
    return native_outcome(ctx, err);
}

/* readFile(path): a small file's contents as a string (kernel files like /proc/N/stat report size 0,
 * so they must be read to the end rather than measured); fails only when it cannot be opened. */
NATIVE_FUNCTION(js_read_file)
{
    char *path = string_to_bytes(ctx, argv[0], NULL);
    if (!path)
        return JS_EXCEPTION;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err = errno;
    free(path);
    if (fd < 0)
        return native_failure(ctx, err);
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

/* readdir(path): the entry names, without . and .. */
NATIVE_FUNCTION(js_readdir)
{
    char *path = string_to_bytes(ctx, argv[0], NULL);
    if (!path)
        return JS_EXCEPTION;
    DIR *dir = opendir(path);
    int err = errno;
    free(path);
    if (!dir)
        return native_failure(ctx, err);
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

/* copySelf(path): writes podinit's own executable to a new file at path (which must not exist),
 * mode 0755, flushed to disk, so that the install subcommand never leaves a half-written binary
 * behind: a partial file is removed. */
NATIVE_FUNCTION(js_copy_self)
{
    char *path = string_to_bytes(ctx, argv[0], NULL);
    if (!path)
        return JS_EXCEPTION;
    int err = 0, out = -1;
    int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (in < 0)
        err = errno;
    else if ((out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755)) < 0)
        err = errno;
    else
        err = copy_all(in, out);
    /* The umask may have narrowed the mode given to open. */
    if (!err && fchmod(out, 0755) != 0)
        err = errno;
    if (!err && fsync(out) != 0)
        err = errno;
    if (out >= 0 && close(out) != 0 && !err)
        err = errno;
    if (in >= 0)
        close(in);
    if (err && out >= 0)
        unlink(path);
    free(path);
    return native_outcome(ctx, err);
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
    return native_outcome(ctx, result == 0 ? 0 : err);
}

NATIVE_FUNCTION(js_chdir)
{
    return call_with_path(ctx, argv[0], chdir);
}

NATIVE_FUNCTION(js_unlink)
{
    return call_with_path(ctx, argv[0], unlink);
}

NATIVE_FUNCTION(js_rename)
{
    char *from = string_to_bytes(ctx, argv[0], NULL);
    char *to = from ? string_to_bytes(ctx, argv[1], NULL) : NULL;
    if (!to) {
        free(from);
        return JS_EXCEPTION;
    }
    int err = rename(from, to) == 0 ? 0 : errno;
    free(from);
    free(to);
    return native_outcome(ctx, err);
}

/* closeInheritedFds(): close every descriptor above stderr in podinit itself (after the child has
 * its copies), so podinit holds no file, socket or mount busy. Nothing to report: a descriptor
 * that will not close is one podinit could do nothing more about. */
NATIVE_FUNCTION(js_close_inherited_fds)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
        return JS_UNDEFINED;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        close((int)fd);
    return JS_UNDEFINED;
}
