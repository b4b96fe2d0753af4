/*
 * What every C test program here shares: the pass/fail counters and CHECK, and reading a whole
 * file. Header-only and independent of the library's headers, so that the 0.1.0 compatibility
 * program (compiled against its frozen glasses-0.1.0.h) uses it as glasses_test.c does.
 */
#ifndef GLASSES_TESTS_CHECK_H
#define GLASSES_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int passed = 0;
static int failed = 0;

/* Counts a check; on failure prints where, the condition and a printf-style explanation. */
#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            passed++;                                                         \
        } else {                                                              \
            failed++;                                                         \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

/* The whole file at `path` (malloc'ed; its length in *len), or NULL with the reason printed. */
static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(size > 0 ? (size_t)size : 1);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return data;
}

/* The closing "N passed, N failed" line; the program's exit status. */
static int report(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
