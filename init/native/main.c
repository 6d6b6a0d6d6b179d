/* podinit's C entry point: a bare QuickJS runtime with only the intrinsics podinit's TypeScript uses,
 * the podinit_native module, and the compiled bundle. No quickjs-libc: it would add start-up work
 * (console, std, os, timers) that a PID 1 never needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena_alloc.h"
#include "quickjs.h"

extern const uint8_t podinit_bytecode[];
extern const uint32_t podinit_bytecode_size;

JSModuleDef *js_init_module_podinit_native(JSContext *ctx, const char *module_name);
void podinit_native_set_args(int argc, char **argv);
void podinit_native_block_signals(void);

/* Exit code when podinit itself fails (EX_SOFTWARE): never one a child could have produced by signal. */
#define INTERNAL_ERROR_EXIT 70

/* QuickJS decides when to collect cycles from malloc_size, which its own allocator keeps; a custom
 * allocator must keep it too, or the collector never runs and a long-lived PID 1 slowly grows. */
static void *rt_malloc(JSMallocState *s, size_t size)
{
    void *ptr = arena_malloc(size);
    if (ptr) {
        s->malloc_count++;
        s->malloc_size += arena_usable_size(ptr);
    }
    return ptr;
}

static void rt_free(JSMallocState *s, void *ptr)
{
    if (!ptr)
        return;
    s->malloc_count--;
    s->malloc_size -= arena_usable_size(ptr);
    arena_free(ptr);
}

static void *rt_realloc(JSMallocState *s, void *ptr, size_t size)
{
    size_t before = ptr ? arena_usable_size(ptr) : 0;
    void *moved = arena_realloc(ptr, size);
    if (!ptr && moved) {
        s->malloc_count++;
        s->malloc_size += arena_usable_size(moved);
    } else if (ptr && size == 0) {
        s->malloc_count--;
        s->malloc_size -= before;
    } else if (moved) {
        s->malloc_size += arena_usable_size(moved) - before;
    }
    return moved;
}

static const JSMallocFunctions arena_functions = { rt_malloc, rt_free, rt_realloc, arena_usable_size };

static void report(JSContext *ctx, JSValueConst error)
{
    const char *text = JS_ToCString(ctx, error);
    JSValue stack = JS_IsObject(error) ? JS_GetPropertyStr(ctx, error, "stack") : JS_UNDEFINED;
    const char *trace = JS_IsUndefined(stack) ? NULL : JS_ToCString(ctx, stack);
    fprintf(stderr, "podinit: internal error: %s\n%s", text ? text : "(unprintable)", trace ? trace : "");
    if (trace)
        JS_FreeCString(ctx, trace);
    if (text)
        JS_FreeCString(ctx, text);
    JS_FreeValue(ctx, stack);
}

int main(int argc, char **argv)
{
    podinit_native_block_signals();
    podinit_native_set_args(argc, argv);
    JSRuntime *rt = JS_NewRuntime2(&arena_functions, NULL);
    if (!rt) {
        fputs("podinit: internal error: cannot create the JavaScript runtime\n", stderr);
        return INTERNAL_ERROR_EXIT;
    }
    JSContext *ctx = JS_NewContextRaw(rt);
    if (!ctx) {
        fputs("podinit: internal error: cannot create the JavaScript context\n", stderr);
        return INTERNAL_ERROR_EXIT;
    }
    JS_AddIntrinsicBaseObjects(ctx);
    JS_AddIntrinsicRegExp(ctx);
    JS_AddIntrinsicJSON(ctx);
    JS_AddIntrinsicMapSet(ctx);
    JS_AddIntrinsicPromise(ctx);
    js_init_module_podinit_native(ctx, "podinit_native");

    JSValue module = JS_ReadObject(ctx, podinit_bytecode, podinit_bytecode_size, JS_READ_OBJ_BYTECODE);
    if (JS_IsException(module) || JS_ResolveModule(ctx, module) < 0) {
        JSValue error = JS_GetException(ctx);
        report(ctx, error);
        return INTERNAL_ERROR_EXIT;
    }
    /* podinit's bundle ends by calling exit(); evaluation returning at all means something threw. */
    JSValue result = JS_EvalFunction(ctx, module);
    for (;;) {
        JSContext *job_ctx;
        if (JS_ExecutePendingJob(rt, &job_ctx) <= 0)
            break;
    }
    if (JS_IsException(result)) {
        report(ctx, JS_GetException(ctx));
    } else if (JS_PromiseState(ctx, result) == JS_PROMISE_REJECTED) {
        report(ctx, JS_PromiseResult(ctx, result));
    } else {
        fputs("podinit: internal error: finished without an exit code\n", stderr);
    }
    return INTERNAL_ERROR_EXIT;
}
