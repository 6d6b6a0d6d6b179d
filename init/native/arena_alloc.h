/* The allocator podinit hands QuickJS (see arena_alloc.c). */
#ifndef PODINIT_ARENA_ALLOC_H
#define PODINIT_ARENA_ALLOC_H
#include <stddef.h>

void *arena_malloc(size_t size);
void arena_free(void *ptr);
void *arena_realloc(void *ptr, size_t size);
size_t arena_usable_size(const void *ptr);

#endif
