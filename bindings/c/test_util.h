/* Minimal test harness shared by the C tests: CHECK / CHECK_EQ count passes and failures and the
 * program ends with the plain closing line "c: N passed, N failed". */
#ifndef LFE_TEST_UTIL_H
#define LFE_TEST_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_pass, t_fail; /* per test program */

/* Readies a versioned out-struct (the counters of a _stats call): zeroed, `size` set, as the
 * ABI's size rule asks (README, "ABI notes"). */
#define SIZED(v) (memset(&(v), 0, sizeof(v)), (v).size = sizeof(v), &(v))

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (cond) {                                                                      \
            t_pass++;                                                                    \
        } else {                                                                         \
            t_fail++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                                \
    } while (0)

#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        long long va_ = (long long)(a), vb_ = (long long)(b);                            \
        if (va_ == vb_) {                                                                \
            t_pass++;                                                                    \
        } else {                                                                         \
            t_fail++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", __FILE__, \
                    __LINE__, #a, va_, #b, vb_);                                          \
        }                                                                                \
    } while (0)

/* A call taking a handle and one out-parameter: a NULL handle, and a NULL out, are each
 * LFE_E_NULL. */
#define CHECK_NULLS(fn, h, out)                \
    do {                                       \
        CHECK_EQ(fn(NULL, out), LFE_E_NULL);   \
        CHECK_EQ(fn(h, NULL), LFE_E_NULL);     \
    } while (0)

/* Creating with `cfg.field` one over its maximum `max` is LFE_E_TOO_LARGE (and leaves `h`
 * alone); `cfg.field` is then set to `ok` for the next check. */
#define CHECK_OVER_MAX(newfn, cfg, h, field, max, ok)                  \
    do {                                                               \
        (cfg).field = (max) + 1;                                       \
        CHECK_EQ(newfn(&(cfg), &(h)), LFE_E_TOO_LARGE);                \
        (cfg).field = (ok);                                            \
    } while (0)

/* Creates `h` from `cfg` with `newfn`, which must succeed, then frees it with `freefn` and resets
 * `h` to NULL for the next attempt. */
#define CHECK_NEW_FREE(newfn, cfg, h, freefn)             \
    do {                                                 \
        CHECK_EQ(newfn(&(cfg), &(h)), LFE_OK);           \
        freefn(h);                                       \
        (h) = NULL;                                      \
    } while (0)

/* Creating `h` from `cfg` with `newfn` must fail with `code` and leave `h` NULL. */
#define CHECK_NEW_REFUSED(newfn, cfg, h, code)            \
    do {                                                 \
        CHECK_EQ(newfn(&(cfg), &(h)), (code));           \
        CHECK((h) == NULL);                              \
    } while (0)

/* Declares `name`: a zeroed `type` (a config, input or counters struct of the ABI) whose leading
 * `size` field holds its size, as every versioned struct is passed in. */
#define T_SIZED(type, name)            \
    type name;                         \
    memset(&name, 0, sizeof name);     \
    name.size = sizeof name

/* Light mode (set by the valgrind run): tests shrink loop counts, not what they check. */
static inline int t_light(void) { return getenv("LFE_TEST_LIGHT") != NULL; }

static inline int t_finish(const char *name) {
    printf("%s: %d passed, %d failed\n", name, t_pass, t_fail);
    return t_fail == 0 ? 0 : 1;
}
#endif
