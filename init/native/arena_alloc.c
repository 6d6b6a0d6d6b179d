/* The allocator podinit hands QuickJS: size-class free lists over large chunks. musl's malloc maps
 * and unmaps pages for many small blocks, which made start-up several times slower than the work
 * itself; podinit's few thousand small, short-lived allocations fit a simple segregated list. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "arena_alloc.h"

#define ALIGNMENT 16
#define HEADER ALIGNMENT
#define SMALL_STEP 16
#define SMALL_LIMIT 1024
#define CLASS_LIMIT 65536
#define CHUNK_SIZE (256 * 1024)
#define LARGE_FLAG ((size_t)1)

/* 64 classes of 16 bytes up to 1 KiB, then powers of two up to 64 KiB. */
#define SMALL_CLASSES (SMALL_LIMIT / SMALL_STEP)
#define CLASS_COUNT (SMALL_CLASSES + 6)

typedef struct FreeBlock {
    struct FreeBlock *next;
} FreeBlock;

static FreeBlock *free_lists[CLASS_COUNT];
/* The first chunk lives in .bss: the kernel maps it lazily, so a short run makes no mmap call. */
static unsigned char first_chunk[CHUNK_SIZE] __attribute__((aligned(ALIGNMENT)));
static unsigned char *bump = first_chunk;
static unsigned char *bump_end = first_chunk + CHUNK_SIZE;

static int class_of(size_t size, size_t *class_size)
{
    if (size <= SMALL_LIMIT) {
        size_t rounded = (size + SMALL_STEP - 1) / SMALL_STEP * SMALL_STEP;
        if (rounded == 0)
            rounded = SMALL_STEP;
        *class_size = rounded;
        return (int)(rounded / SMALL_STEP) - 1;
    }
    size_t power = SMALL_LIMIT * 2;
    int index = SMALL_CLASSES;
    while (power < size) {
        power *= 2;
        index++;
    }
    *class_size = power;
    return index;
}

static size_t *header_of(const void *ptr)
{
    return (size_t *)((unsigned char *)ptr - HEADER);
}

static void *alloc_large(size_t size)
{
    if (size > SIZE_MAX - HEADER - 4096)
        return NULL; /* the rounding below would wrap to a tiny mapping */
    size_t total = (size + HEADER + 4095) & ~(size_t)4095;
    unsigned char *mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return NULL;
    *(size_t *)mem = total | LARGE_FLAG;
    return mem + HEADER;
}

void *arena_malloc(size_t size)
{
    if (size > CLASS_LIMIT - HEADER)
        return alloc_large(size);
    size_t class_size;
    int index = class_of(size, &class_size);
    FreeBlock *block = free_lists[index];
    if (block) {
        free_lists[index] = block->next;
        return block;
    }
    size_t need = class_size + HEADER;
    if ((size_t)(bump_end - bump) < need) {
        unsigned char *chunk = mmap(NULL, CHUNK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED)
            return NULL;
        bump = chunk;
        bump_end = chunk + CHUNK_SIZE;
    }
    *(size_t *)bump = class_size;
    void *result = bump + HEADER;
    bump += need;
    return result;
}

void arena_free(void *ptr)
{
    if (!ptr)
        return;
    size_t *header = header_of(ptr);
    if (*header & LARGE_FLAG) {
        munmap(header, *header & ~LARGE_FLAG);
        return;
    }
    size_t class_size;
    int index = class_of(*header, &class_size);
    FreeBlock *block = ptr;
    block->next = free_lists[index];
    free_lists[index] = block;
}

size_t arena_usable_size(const void *ptr)
{
    if (!ptr)
        return 0;
    size_t header = *header_of(ptr);
    return (header & LARGE_FLAG) ? (header & ~LARGE_FLAG) - HEADER : header;
}

void *arena_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return arena_malloc(size);
    if (size == 0) {
        arena_free(ptr);
        return NULL;
    }
    size_t usable = arena_usable_size(ptr);
    if (size <= usable && !(*header_of(ptr) & LARGE_FLAG))
        return ptr;
    void *moved = arena_malloc(size);
    if (!moved)
        return NULL;
    memcpy(moved, ptr, usable < size ? usable : size);
    arena_free(ptr);
    return moved;
}
