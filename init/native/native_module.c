/* The podinit_native module: its function table, how results and bytes cross into JavaScript, the command line. */
#include "native_module.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

JSValue native_failure(JSContext *ctx, int err)
{
    JSValue failure = JS_NewObject(ctx);
    if (!JS_IsException(failure))
        JS_SetPropertyStr(ctx, failure, "errno", JS_NewInt32(ctx, err));
    return failure;
}

JSValue native_outcome(JSContext *ctx, int err)
{
    return err == 0 ? JS_NewInt32(ctx, 0) : native_failure(ctx, err);
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

JSValue string_from_bytes(JSContext *ctx, const char *bytes, size_t len)
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

/* NUL-terminated, to be released with free(); NULL with an exception pending. */
char *string_to_bytes(JSContext *ctx, JSValueConst value, size_t *length)
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

/* errnoName(errno): the symbolic name, for messages and for TypeScript decisions. */
NATIVE_FUNCTION(js_errno_name)
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

NATIVE_FUNCTION(js_strerror)
{
    int32_t num;
    if (JS_ToInt32(ctx, &num, argv[0]))
        return JS_EXCEPTION;
    return JS_NewString(ctx, strerror(num));
}

static int saved_argc;
static char **saved_argv;
extern char **environ;

/* main() hands over its arguments before the runtime exists. */
void podinit_native_set_args(int argc, char **argv)
{
    saved_argc = argc;
    saved_argv = argv;
}

/* args(): the command line, program name first. */
NATIVE_FUNCTION(js_args)
{
    JSValue list = JS_NewArray(ctx);
    for (int i = 0; i < saved_argc; i++)
        JS_SetPropertyUint32(ctx, list, (uint32_t)i, string_from_bytes(ctx, saved_argv[i], strlen(saved_argv[i])));
    return list;
}

/* environ(): the environment as an object of strings. */
NATIVE_FUNCTION(js_environ)
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

/* In the order of podinit_native.d.ts, which documents each. */
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

/* QuickJS takes the list twice: declared when the module is created, set when it is instantiated. */
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
