/* What the native_*.c files, which make up the podinit_native module, share with each other. */
/* The module is mechanism only, the Linux calls QuickJS lacks: every decision (what to forward,
 * when to kill, which exit code) is made in TypeScript. */
#ifndef PODINIT_NATIVE_MODULE_H
#define PODINIT_NATIVE_MODULE_H
/* Here rather than in each file: pipe2, execvp's PATH search and SYS_close_range need it, and it
 * only counts when defined before the first system header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>

/* quickjs.h's inline helpers leave parameters unused and cast between function types; with -Wextra
 * that is a screenful per file for code that is not podinit's. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wcast-function-type"
#include "quickjs.h"
#pragma GCC diagnostic pop

#define countof(a) (sizeof(a) / sizeof((a)[0]))

/* Every expected failure reaches JavaScript as an object { errno } in place of the result, so the
 * types force TypeScript to handle it and no result value has to be set aside to mean failure.
 * Only misuse (an argument of the wrong type) throws. */
JSValue native_failure(JSContext *ctx, int err);
/* For a call with nothing to return: 0, or err's failure. */
JSValue native_outcome(JSContext *ctx, int err);

/* Bytes (argv, paths, file contents) to a string and back unchanged, valid UTF-8 or not. */
JSValue string_from_bytes(JSContext *ctx, const char *bytes, size_t len);
char *string_to_bytes(JSContext *ctx, JSValueConst value, size_t *length);

/* native_signals.c keeps podinit's signal mask; native_process.c needs it around a child's start
 * and a terminal detach. */
void native_restore_inherited_mask(void);
void native_discard_hangup(void);

/* The signature QuickJS calls every module function with; most use only some of the parameters. */
#define NATIVE_FUNCTION(name)                                                                      \
    JSValue name(JSContext *ctx __attribute__((unused)), JSValueConst this_val __attribute__((unused)), \
                 int argc __attribute__((unused)), JSValueConst *argv __attribute__((unused)))

/* The module's functions, each in the file of its concern; native_module.c lists them for QuickJS. */
/* native_module.c */
NATIVE_FUNCTION(js_args);
NATIVE_FUNCTION(js_environ);
NATIVE_FUNCTION(js_errno_name);
NATIVE_FUNCTION(js_strerror);
/* native_signals.c */
NATIVE_FUNCTION(js_block_signals);
NATIVE_FUNCTION(js_wait_signal);
NATIVE_FUNCTION(js_monotonic_ms);
NATIVE_FUNCTION(js_kill);
/* native_process.c */
NATIVE_FUNCTION(js_spawn);
NATIVE_FUNCTION(js_reap_all);
NATIVE_FUNCTION(js_set_subreaper);
NATIVE_FUNCTION(js_getpid);
NATIVE_FUNCTION(js_is_session_leader);
NATIVE_FUNCTION(js_detach_terminal);
NATIVE_FUNCTION(js_hand_foreground);
NATIVE_FUNCTION(js_isatty);
NATIVE_FUNCTION(js_exit);
/* native_files.c */
NATIVE_FUNCTION(js_write);
NATIVE_FUNCTION(js_read_file);
NATIVE_FUNCTION(js_readdir);
NATIVE_FUNCTION(js_chdir);
NATIVE_FUNCTION(js_unlink);
NATIVE_FUNCTION(js_rename);
NATIVE_FUNCTION(js_copy_self);
NATIVE_FUNCTION(js_close_inherited_fds);

#endif
