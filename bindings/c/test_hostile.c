/* Hostile input over the C ABI: every export called with NULL handles and out-params, absurd
 * lengths and counts, invalid enum values, configs with a bad `size` (too small, larger with a
 * non-zero unknown tail, SIZE_MAX), and calls after close / unsubscribe. Each must return its
 * documented code, leave out-params untouched on failure, and never crash or return
 * LFE_E_PANIC.
 *
 * Not testable: use after `lfe_*_free` and double free of a handle. A handle is a plain heap
 * pointer; detecting a freed one would need a registry of live handles consulted on every call
 * (a global lock or a lock-free set on every hot path) and still could not tell a reused address
 * from the old handle. The ABI documents both as undefined behaviour; ASan (make c-test-asan)
 * is how a host finds them. */
#include "lfe.h"
#include "test_util.h"
#include <stdint.h>
#include <string.h>

static const uint8_t XB[] = "x";
#define ABSURD ((size_t)SIZE_MAX)

/* The reads of an RCU table (`lfe_<t>_get`, the by-bytes lookup `lfe_<t>_<bytes_fn>`, list,
 * count and generation) given hostile arguments: NULL handles, NULL outs and NULL bytes with a
 * length are LFE_E_NULL, an absurd length LFE_E_TOO_LARGE, an unknown id or empty bytes
 * LFE_E_NOT_FOUND. `id` is a live record's id; uses `b`, `n` and `g` of the caller. */
#define CHECK_TABLE_READS(t, bytes_fn, h, id)                                   \
    do {                                                                        \
        CHECK_EQ(lfe_##t##_get(NULL, id, &b), LFE_E_NULL);                      \
        CHECK_EQ(lfe_##t##_get(h, id, NULL), LFE_E_NULL);                       \
        CHECK_EQ(lfe_##t##_get(h, UINT64_MAX, &b), LFE_E_NOT_FOUND);            \
        CHECK_EQ(lfe_##t##_##bytes_fn(NULL, XB, 1, &b), LFE_E_NULL);            \
        CHECK_EQ(lfe_##t##_##bytes_fn(h, NULL, 3, &b), LFE_E_NULL);             \
        CHECK_EQ(lfe_##t##_##bytes_fn(h, XB, ABSURD, &b), LFE_E_TOO_LARGE);     \
        CHECK_EQ(lfe_##t##_##bytes_fn(h, NULL, 0, &b), LFE_E_NOT_FOUND);        \
        CHECK_EQ(lfe_##t##_##bytes_fn(h, XB, 1, NULL), LFE_E_NULL);             \
        CHECK_NULLS(lfe_##t##_list, h, &b);                                     \
        CHECK(b == NULL);                                                       \
        CHECK_NULLS(lfe_##t##_count, h, &n);                                    \
        CHECK_NULLS(lfe_##t##_generation, h, &g);                               \
    } while (0)

/* A config buffer larger than any config, so sizes up to sizeof(buf) are readable. */
typedef union {
    size_t size;
    unsigned char bytes[256];
} cfgbuf;

static void cfg_init(cfgbuf *c, size_t size) {
    memset(c, 0, sizeof *c);
    c->size = size;
}

static void test_status_and_free(void) {
    int32_t c;
    for (c = -100; c <= 100; c++) CHECK(lfe_status_str(c) != NULL);
    CHECK(lfe_status_str(INT32_MIN) != NULL);
    CHECK(lfe_status_str(INT32_MAX) != NULL);
    CHECK_EQ(lfe_selftest_panic(), LFE_E_PANIC);
    /* Every _free takes NULL as a no-op. */
    lfe_batch_free(NULL);
    lfe_queue_free(NULL);
    lfe_bus_free(NULL);
    lfe_sub_free(NULL);
    lfe_procs_free(NULL);
    lfe_routes_free(NULL);
    lfe_requests_free(NULL);
    lfe_lockdep_free(NULL);
    lfe_log_free(NULL);
    CHECK(1);
}

/* The versioned-config rules, the same for every constructor. `make` is called with a config
 * buffer; it must return `bad` for size 0 and 3, for a longer struct with a non-zero tail, and
 * for SIZE_MAX; LFE_OK for NULL (defaults, where allowed) and for a longer zero tail. */
#define CONFIG_RULES(NEW, TYPE, CFGT, FREE, FILL)                                               \
    do {                                                                                          \
        cfgbuf cb;                                                                                \
        TYPE *h = (TYPE *)&cb; /* any non-NULL value: must stay untouched on failure */          \
        TYPE *orig = h;                                                                           \
        cfg_init(&cb, 0);                                                                         \
        FILL;                                                                                     \
        CHECK_EQ(NEW((const CFGT *)&cb, &h), LFE_E_INVALID);                                      \
        CHECK(h == orig);                                                                         \
        cfg_init(&cb, 3);                                                                         \
        FILL;                                                                                     \
        CHECK_EQ(NEW((const CFGT *)&cb, &h), LFE_E_INVALID);                                      \
        CHECK(h == orig);                                                                         \
        cfg_init(&cb, sizeof(CFGT) + 16);                                                         \
        FILL;                                                                                     \
        cb.bytes[sizeof(CFGT) + 8] = 1;                                                           \
        CHECK_EQ(NEW((const CFGT *)&cb, &h), LFE_E_INVALID);                                      \
        CHECK(h == orig);                                                                         \
        cfg_init(&cb, ABSURD);                                                                    \
        FILL;                                                                                     \
        CHECK_EQ(NEW((const CFGT *)&cb, &h), LFE_E_INVALID);                                      \
        CHECK(h == orig);                                                                         \
        cfg_init(&cb, sizeof(CFGT));                                                              \
        FILL;                                                                                     \
        CHECK_EQ(NEW((const CFGT *)&cb, NULL), LFE_E_NULL);                                       \
        cfg_init(&cb, sizeof(CFGT) + 16);                                                         \
        FILL;                                                                                     \
        h = NULL;                                                                                 \
        CHECK_EQ(NEW((const CFGT *)&cb, &h), LFE_OK);                                             \
        CHECK(h != NULL);                                                                         \
        FREE(h);                                                                                  \
    } while (0)

static lfe_event_input ev(uint32_t type) {
    lfe_event_input e;
    memset(&e, 0, sizeof e);
    e.type = type;
    return e;
}

static void test_queue(void) {
    lfe_queue *q = NULL;
    lfe_batch *b = NULL;
    lfe_queue_counters st;
    lfe_event_input e = ev(LFE_EVENT_LOG_LINE), evs[2];
    size_t n = 77;
    CONFIG_RULES(lfe_queue_new, lfe_queue, lfe_queue_config, lfe_queue_free,
                 ((lfe_queue_config *)&cb)->capacity = 2);
    {
        T_SIZED(lfe_queue_config, c);
        c.capacity = 2;
        c.overflow = 2; /* invalid enum */
        CHECK_EQ(lfe_queue_new(&c, &q), LFE_E_INVALID);
        c.overflow = UINT32_MAX;
        CHECK_EQ(lfe_queue_new(&c, &q), LFE_E_INVALID);
        c.overflow = LFE_OVERFLOW_REJECT;
        c.capacity = 0;
        CHECK_EQ(lfe_queue_new(&c, &q), LFE_E_INVALID);
        c.capacity = ABSURD;
        CHECK_NEW_REFUSED(lfe_queue_new, c, q, LFE_E_TOO_LARGE);
        c.capacity = 2;
        c.max_payload = 4;
        CHECK_EQ(lfe_queue_new(&c, &q), LFE_OK);
    }
    /* NULL handle / out / input. */
    CHECK_NULLS(lfe_queue_push, q, &e);
    CHECK_EQ(lfe_queue_push_timeout(NULL, &e, 0), LFE_E_NULL);
    CHECK_EQ(lfe_queue_push_batch(NULL, &e, 1, &n), LFE_E_NULL);
    CHECK_EQ(lfe_queue_push_batch(q, NULL, 1, &n), LFE_E_NULL);
    CHECK_NULLS(lfe_queue_pop, q, &b);
    CHECK_EQ(lfe_queue_pop_batch(q, 4, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_queue_pop_timeout(q, 0, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_queue_pop_batch_timeout(NULL, 1, 0, &b), LFE_E_NULL);
    CHECK_EQ(lfe_queue_stats(NULL, SIZED(st)), LFE_E_NULL);
    CHECK_EQ(lfe_queue_stats(q, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_queue_close(NULL), LFE_E_NULL);
    CHECK(b == NULL);
    /* Invalid event types, reserved field, payload (NULL with length, absurd length, over max). */
    e = ev(0);
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_INVALID);
    e = ev(LFE_EVENT_HOST_MIN - 1);
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_INVALID);
    e = ev(12);
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_INVALID);
    e = ev(LFE_EVENT_LOG_LINE);
    e.reserved = 1;
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_INVALID);
    e = ev(LFE_EVENT_LOG_LINE);
    e.payload.len = 3; /* ptr NULL */
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_NULL);
    e.payload.ptr = XB;
    e.payload.len = ABSURD;
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_TOO_LARGE);
    e.payload.len = 5; /* over max_payload 4: never read past the check */
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_TOO_LARGE);
    /* Batches: absurd count, a bad element rejects the whole batch. */
    CHECK_EQ(lfe_queue_push_batch(q, evs, ABSURD, &n), LFE_E_TOO_LARGE);
    evs[0] = ev(LFE_EVENT_LOG_LINE);
    evs[1] = ev(0);
    n = 77;
    CHECK_EQ(lfe_queue_push_batch(q, evs, 2, &n), LFE_E_INVALID);
    CHECK_EQ(n, 77);
    CHECK_EQ(lfe_queue_stats(q, SIZED(st)), LFE_OK);
    CHECK_EQ(st.pushed, 0);
    CHECK_EQ(lfe_queue_push_batch(q, NULL, 0, &n), LFE_OK);
    CHECK_EQ(n, 0);
    /* Absurd max for batch pops is fine (bounded by what is there). */
    e = ev(LFE_EVENT_LOG_LINE);
    CHECK_EQ(lfe_queue_push(q, &e), LFE_OK);
    CHECK_EQ(lfe_queue_pop_batch(q, ABSURD, &b), LFE_OK);
    CHECK(b != NULL && b->count == 1 && b->kind == LFE_REC_EVENT);
    lfe_batch_free(b);
    b = NULL;
    CHECK_EQ(lfe_queue_pop_batch(q, ABSURD, &b), LFE_E_EMPTY);
    CHECK(b == NULL);
    /* After close: pushes CLOSED, pops drain then CLOSED; close is idempotent. */
    CHECK_EQ(lfe_queue_push(q, &e), LFE_OK);
    CHECK_EQ(lfe_queue_close(q), LFE_OK);
    CHECK_EQ(lfe_queue_close(q), LFE_OK);
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_CLOSED);
    CHECK_EQ(lfe_queue_push_timeout(q, &e, LFE_TIMEOUT_INFINITE), LFE_E_CLOSED);
    CHECK_EQ(lfe_queue_push_batch(q, &e, 1, &n), LFE_E_CLOSED);
    CHECK_EQ(lfe_queue_pop(q, &b), LFE_OK);
    lfe_batch_free(b);
    b = NULL;
    CHECK_EQ(lfe_queue_pop(q, &b), LFE_E_CLOSED);
    CHECK_EQ(lfe_queue_pop_timeout(q, LFE_TIMEOUT_INFINITE, &b), LFE_E_CLOSED);
    CHECK_EQ(lfe_queue_pop_batch_timeout(q, 3, LFE_TIMEOUT_INFINITE, &b), LFE_E_CLOSED);
    CHECK(b == NULL);
    lfe_queue_free(q);
}

static void test_bus(void) {
    lfe_bus *bus = NULL;
    lfe_sub *s = NULL, *s2 = NULL;
    lfe_batch *b = NULL;
    lfe_bus_counters bc;
    lfe_sub_counters sc;
    lfe_event_input e = ev(LFE_EVENT_LOG_LINE);
    uint32_t types[2] = {LFE_EVENT_LOG_LINE, 0};
    int32_t fd = -7;
    CONFIG_RULES(lfe_bus_new, lfe_bus, lfe_bus_config, lfe_bus_free,
                 (((lfe_bus_config *)&cb)->max_payload = 8, ((lfe_bus_config *)&cb)->max_subscribers = 2,
                  ((lfe_bus_config *)&cb)->max_capacity = 4, ((lfe_bus_config *)&cb)->max_sub_bytes = 64));
    {
        T_SIZED(lfe_bus_config, c);
        CHECK_EQ(lfe_bus_new(&c, &bus), LFE_E_INVALID); /* zero limits */
        c.max_payload = 8;
        c.max_subscribers = 2;
        c.max_sub_bytes = 1 << 20;
        c.max_capacity = ABSURD; /* over LFE_QUEUE_MAX_CAPACITY: refused, never an abort later */
        CHECK_EQ(lfe_bus_new(&c, &bus), LFE_E_TOO_LARGE);
        c.max_capacity = LFE_QUEUE_MAX_CAPACITY;
        c.max_sub_bytes = 4; /* less than one largest payload */
        CHECK_EQ(lfe_bus_new(&c, &bus), LFE_E_INVALID);
        c.max_sub_bytes = 0; /* 0: the default (a zero-filled config keeps working) */
        CHECK_NEW_FREE(lfe_bus_new, c, bus, lfe_bus_free);
        c.max_sub_bytes = 1 << 20;
        CHECK_EQ(lfe_bus_new(&c, &bus), LFE_OK);
    }
    CHECK_EQ(lfe_bus_subscribe(NULL, LFE_EVENT_MASK_ALL, NULL, 0, 4, &s), LFE_E_NULL);
    CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 4, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_bus_subscribe(bus, 0, NULL, 2, 4, &s), LFE_E_NULL);
    CHECK_EQ(lfe_bus_subscribe(bus, 0, NULL, 0, 4, &s), LFE_E_INVALID); /* empty filter */
    CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 0, &s), LFE_E_INVALID);
    CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, ABSURD, &s), LFE_E_TOO_LARGE);
    CHECK_EQ(lfe_bus_subscribe(bus, 0, types, ABSURD, 4, &s), LFE_E_TOO_LARGE);
    CHECK(s == NULL);
    CHECK_EQ(lfe_bus_subscribe(bus, 0, types, 2, 1, &s), LFE_OK); /* type 0 in a list: never matches */
    CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 1, &s2), LFE_OK);
    {
        lfe_sub *s3 = NULL;
        CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 1, &s3), LFE_E_TOO_LARGE);
        CHECK(s3 == NULL);
    }
    CHECK_NULLS(lfe_bus_publish, bus, &e);
    CHECK_EQ(lfe_bus_publish_batch(bus, NULL, 1), LFE_E_NULL);
    CHECK_EQ(lfe_bus_publish_batch(bus, &e, ABSURD), LFE_E_TOO_LARGE);
    CHECK_EQ(lfe_bus_publish_batch(bus, NULL, 0), LFE_OK);
    e.type = 0;
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_E_INVALID);
    e.type = LFE_EVENT_LOG_LINE;
    e.reserved = 9;
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_E_INVALID);
    e.reserved = 0;
    e.payload.ptr = XB;
    e.payload.len = 9;
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_E_TOO_LARGE);
    e.payload.len = 1;
    CHECK_EQ(lfe_bus_stats(NULL, SIZED(bc)), LFE_E_NULL);
    CHECK_EQ(lfe_bus_stats(bus, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_bus_stats(bus, SIZED(bc)), LFE_OK);
    CHECK_EQ(bc.published, 0);
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_OK);
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_OK); /* s and s2 have capacity 1: one lagged */
    CHECK_NULLS(lfe_sub_pop, s, &b);
    CHECK_EQ(lfe_sub_pop_batch(s, 1, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_sub_pop_timeout(NULL, 0, &b), LFE_E_NULL);
    CHECK_EQ(lfe_sub_pop_batch_timeout(NULL, 1, 0, &b), LFE_E_NULL);
    CHECK_EQ(lfe_sub_stats(NULL, SIZED(sc)), LFE_E_NULL);
    CHECK_EQ(lfe_sub_stats(s, NULL), LFE_E_NULL);
    CHECK_NULLS(lfe_sub_fd, s, &fd);
    CHECK_EQ(fd, -7);
    CHECK_EQ(lfe_sub_unsubscribe(NULL), LFE_E_NULL);
    CHECK_EQ(lfe_sub_stats(s, SIZED(sc)), LFE_OK);
    CHECK_EQ(sc.lagged, 1);
    CHECK_EQ(sc.depth, 1);
    /* After unsubscribe: what is queued drains, then LFE_E_CLOSED for every pop form. */
    CHECK_EQ(lfe_sub_unsubscribe(s), LFE_OK);
    CHECK_EQ(lfe_sub_unsubscribe(s), LFE_OK);
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_OK); /* not delivered to s */
    CHECK_EQ(lfe_sub_pop_batch(s, ABSURD, &b), LFE_OK);
    CHECK(b != NULL && b->count == 1);
    lfe_batch_free(b);
    b = NULL;
    CHECK_EQ(lfe_sub_pop(s, &b), LFE_E_CLOSED);
    CHECK_EQ(lfe_sub_pop_batch(s, 4, &b), LFE_E_CLOSED);
    CHECK_EQ(lfe_sub_pop_timeout(s, LFE_TIMEOUT_INFINITE, &b), LFE_E_CLOSED);
    CHECK_EQ(lfe_sub_pop_batch_timeout(s, 4, LFE_TIMEOUT_INFINITE, &b), LFE_E_CLOSED);
    CHECK(b == NULL);
    CHECK_EQ(lfe_sub_stats(s, SIZED(sc)), LFE_OK);
    CHECK_EQ(sc.delivered, 2);
    lfe_sub_free(s);
    lfe_sub_free(s2);
    lfe_bus_free(bus);
}

static lfe_bytes bs(const char *s) {
    lfe_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = s ? strlen(s) : 0;
    return b;
}

static void test_procs(void) {
    lfe_procs *p = NULL;
    lfe_batch *b = NULL;
    lfe_proc_spec spec;
    lfe_label lab[2];
    uint64_t id = 0, g = 0;
    size_t n = 0;
    CONFIG_RULES(lfe_procs_new, lfe_procs, lfe_procs_config, lfe_procs_free,
                 (((lfe_procs_config *)&cb)->max_procs = 2, ((lfe_procs_config *)&cb)->max_labels = 1,
                  ((lfe_procs_config *)&cb)->max_field = 8));
    {
        T_SIZED(lfe_procs_config, c);
        CHECK_EQ(lfe_procs_new(&c, &p), LFE_E_INVALID); /* zero bounds */
        c.max_procs = 2;
        c.max_labels = 1;
        c.max_field = 8;
        CHECK_EQ(lfe_procs_new(&c, &p), LFE_OK);
    }
    memset(&spec, 0, sizeof spec);
    CHECK_EQ(lfe_procs_insert(NULL, &spec, &id), LFE_E_NULL);
    CHECK_EQ(lfe_procs_insert(p, NULL, &id), LFE_E_NULL);
    spec.name = bs("web");
    CHECK_EQ(lfe_procs_insert(p, &spec, NULL), LFE_E_NULL);
    spec.name.ptr = NULL;
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_E_NULL);
    spec.name = bs("");
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_E_INVALID);
    spec.name = bs("a-very-long-name");
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_E_TOO_LARGE);
    spec.name = bs("web");
    spec.command.ptr = XB;
    spec.command.len = ABSURD;
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_E_TOO_LARGE);
    spec.command = bs("run");
    spec.labels = NULL;
    spec.label_count = 1;
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_E_NULL);
    lab[0].key = bs("k");
    lab[0].value = bs("v");
    lab[1] = lab[0];
    spec.labels = lab;
    spec.label_count = 2; /* over max_labels */
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_E_TOO_LARGE);
    spec.label_count = ABSURD;
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_E_TOO_LARGE);
    CHECK_EQ(id, 0);
    spec.label_count = 1;
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_OK);
    CHECK(id != 0);
    CHECK_EQ(lfe_procs_insert(p, &spec, &g), LFE_E_EXISTS);
    /* Invalid enum values for states. */
    CHECK_EQ(lfe_procs_transition(p, id, 7, LFE_PROC_STARTING, 0), LFE_E_INVALID);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_PENDING, UINT32_MAX, 0), LFE_E_INVALID);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_PENDING, LFE_PROC_RUNNING, 0), LFE_E_INVALID);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_RUNNING, LFE_PROC_EXITED, 0), LFE_E_CONFLICT);
    CHECK_EQ(lfe_procs_transition(p, 999, LFE_PROC_PENDING, LFE_PROC_STARTING, 0), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_procs_transition(NULL, id, LFE_PROC_PENDING, LFE_PROC_STARTING, 0), LFE_E_NULL);
    CHECK_EQ(lfe_procs_set_pid(NULL, id, 1), LFE_E_NULL);
    CHECK_EQ(lfe_procs_set_pid(p, 999, 1), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_procs_remove(NULL, id), LFE_E_NULL);
    CHECK_EQ(lfe_procs_remove(p, 0), LFE_E_NOT_FOUND);
    CHECK_TABLE_READS(procs, find, p, id);
    CHECK_EQ(lfe_procs_count(p, &n), LFE_OK);
    CHECK_EQ(n, 1);
    lfe_procs_free(p);
}

static void test_routes(void) {
    lfe_routes *r = NULL;
    lfe_batch *b = NULL;
    lfe_route_spec spec;
    uint64_t id = 0, g = 0;
    size_t n = 0;
    CONFIG_RULES(lfe_routes_new, lfe_routes, lfe_routes_config, lfe_routes_free,
                 (((lfe_routes_config *)&cb)->max_routes = 2, ((lfe_routes_config *)&cb)->max_field = 16));
    {
        T_SIZED(lfe_routes_config, c);
        CHECK_EQ(lfe_routes_new(&c, &r), LFE_E_INVALID);
        c.max_routes = 2;
        c.max_field = 16;
        CHECK_EQ(lfe_routes_new(&c, &r), LFE_OK);
    }
    memset(&spec, 0, sizeof spec);
    CHECK_EQ(lfe_routes_add(NULL, &spec, &id), LFE_E_NULL);
    CHECK_EQ(lfe_routes_add(r, NULL, &id), LFE_E_NULL);
    CHECK_EQ(lfe_routes_add(r, &spec, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_routes_add(r, &spec, &id), LFE_E_INVALID); /* empty host */
    spec.host = bs("app");
    spec.path_prefix = bs("api");
    CHECK_EQ(lfe_routes_add(r, &spec, &id), LFE_E_INVALID); /* prefix without '/' */
    spec.path_prefix = bs("/api");
    spec.proxy_port = 65536;
    CHECK_EQ(lfe_routes_add(r, &spec, &id), LFE_E_INVALID);
    spec.proxy_port = UINT32_MAX;
    CHECK_EQ(lfe_routes_add(r, &spec, &id), LFE_E_INVALID);
    spec.proxy_port = 8080;
    spec.target.ptr = NULL;
    spec.target.len = 4;
    CHECK_EQ(lfe_routes_add(r, &spec, &id), LFE_E_NULL);
    spec.target.ptr = XB;
    spec.target.len = ABSURD;
    CHECK_EQ(lfe_routes_add(r, &spec, &id), LFE_E_TOO_LARGE);
    spec.target = bs("http://localhost:3000/too/long");
    CHECK_EQ(lfe_routes_add(r, &spec, &id), LFE_E_TOO_LARGE);
    CHECK_EQ(id, 0);
    spec.target = bs("http://t:1");
    CHECK_EQ(lfe_routes_add(r, &spec, &id), LFE_OK);
    CHECK_EQ(lfe_routes_add(r, &spec, &g), LFE_E_EXISTS);
    CHECK_EQ(lfe_routes_replace(NULL, id, &spec), LFE_E_NULL);
    CHECK_EQ(lfe_routes_replace(r, id, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_routes_replace(r, 999, &spec), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_routes_remove(NULL, id), LFE_E_NULL);
    CHECK_EQ(lfe_routes_remove(r, 999), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_routes_lookup(NULL, XB, 1, XB, 1, &b), LFE_E_NULL);
    CHECK_EQ(lfe_routes_lookup(r, NULL, 1, XB, 1, &b), LFE_E_NULL);
    CHECK_EQ(lfe_routes_lookup(r, XB, 1, NULL, 1, &b), LFE_E_NULL);
    CHECK_EQ(lfe_routes_lookup(r, XB, ABSURD, XB, 1, &b), LFE_E_TOO_LARGE);
    CHECK_EQ(lfe_routes_lookup(r, NULL, 0, NULL, 0, &b), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_routes_lookup(r, XB, 1, XB, 1, NULL), LFE_E_NULL);
    CHECK_TABLE_READS(routes, attribute, r, id);
    lfe_routes_free(r);
}

static void test_requests(void) {
    lfe_requests *l = NULL;
    lfe_batch *b = NULL;
    lfe_request_in q[3];
    lfe_request_stats st;
    uint64_t seq = 77;
    CONFIG_RULES(lfe_requests_new, lfe_requests, lfe_requests_config, lfe_requests_free,
                 (((lfe_requests_config *)&cb)->capacity = 2, ((lfe_requests_config *)&cb)->max_routes = 2,
                  ((lfe_requests_config *)&cb)->max_field = 8));
    {
        T_SIZED(lfe_requests_config, c);
        CHECK_EQ(lfe_requests_new(&c, &l), LFE_E_INVALID);
        c.capacity = ABSURD; /* must be refused, not allocated (or aborted on) */
        c.max_field = 8;
        c.max_routes = 2;
        CHECK_NEW_REFUSED(lfe_requests_new, c, l, LFE_E_TOO_LARGE);
        c.capacity = 2;
        CHECK_EQ(lfe_requests_new(&c, &l), LFE_OK);
    }
    memset(q, 0, sizeof q);
    CHECK_EQ(lfe_requests_record(NULL, q, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_requests_record(l, NULL, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_requests_record(l, q, NULL), LFE_E_NULL);
    q[0].flags = 64; /* unknown flag */
    CHECK_EQ(lfe_requests_record(l, q, &seq), LFE_E_INVALID);
    q[0].flags = 0;
    q[0].path.len = 5; /* NULL ptr */
    CHECK_EQ(lfe_requests_record(l, q, &seq), LFE_E_NULL);
    q[0].path.ptr = XB;
    q[0].path.len = ABSURD;
    CHECK_EQ(lfe_requests_record(l, q, &seq), LFE_E_TOO_LARGE);
    q[0].path = bs("/a/path/over/eight");
    CHECK_EQ(lfe_requests_record(l, q, &seq), LFE_E_TOO_LARGE);
    q[0].path = bs("/");
    CHECK_EQ(lfe_requests_record_batch(l, NULL, 1, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_requests_record_batch(l, q, ABSURD, &seq), LFE_E_TOO_LARGE);
    CHECK_EQ(lfe_requests_record_batch(l, q, 3, &seq), LFE_E_TOO_LARGE); /* over capacity */
    q[1].flags = UINT32_MAX;
    CHECK_EQ(lfe_requests_record_batch(l, q, 2, &seq), LFE_E_INVALID);
    CHECK_EQ(seq, 77);
    CHECK_EQ(lfe_requests_record(l, q, &seq), LFE_OK);
    CHECK_EQ(seq, 0);
    CHECK_EQ(lfe_requests_read(NULL, 0, 1, &b), LFE_E_NULL);
    CHECK_EQ(lfe_requests_read(l, 0, 1, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_requests_read(l, UINT64_MAX, ABSURD, &b), LFE_OK);
    CHECK(b != NULL && b->count == 0);
    lfe_batch_free(b);
    b = NULL;
    CHECK_EQ(lfe_requests_read(l, 0, ABSURD, &b), LFE_OK);
    CHECK(b != NULL && b->count == 1 && b->kind == LFE_REC_REQUEST);
    lfe_batch_free(b);
    b = NULL;
    CHECK_EQ(lfe_requests_recent(NULL, 1, &b), LFE_E_NULL);
    CHECK_EQ(lfe_requests_recent(l, 1, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_requests_recent(l, ABSURD, &b), LFE_OK);
    lfe_batch_free(b);
    CHECK_EQ(lfe_requests_route_stats(NULL, 0, SIZED(st)), LFE_E_NULL);
    CHECK_EQ(lfe_requests_route_stats(l, 0, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_requests_route_stats(l, 12345, SIZED(st)), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_requests_global_stats(NULL, SIZED(st)), LFE_E_NULL);
    CHECK_EQ(lfe_requests_global_stats(l, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_requests_global_stats(l, SIZED(st)), LFE_OK);
    lfe_requests_free(l);
}

static void test_lockdep(void) {
    lfe_lockdep *v = NULL;
    lfe_batch *b = NULL;
    lfe_lockdep_counters st;
    uint32_t id = 77;
    size_t n = 0;
    CONFIG_RULES(lfe_lockdep_new, lfe_lockdep, lfe_lockdep_config, lfe_lockdep_free,
                 ((lfe_lockdep_config *)&cb)->max_locks = 8);
    {
        T_SIZED(lfe_lockdep_config, c);
        c.max_locks = 8193;
        CHECK_EQ(lfe_lockdep_new(&c, &v), LFE_E_INVALID);
        c.max_locks = UINT32_MAX;
        CHECK_EQ(lfe_lockdep_new(&c, &v), LFE_E_INVALID);
        c.max_locks = 4;
        c.shards = 1025;
        CHECK_EQ(lfe_lockdep_new(&c, &v), LFE_E_INVALID);
        c.shards = 0;
        c.max_held = 1;
        CHECK_EQ(lfe_lockdep_new(&c, &v), LFE_OK);
    }
    CHECK_EQ(lfe_lockdep_register(NULL, XB, 1, &id), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_register(v, NULL, 1, &id), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_register(v, XB, 1, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_register(v, XB, ABSURD, &id), LFE_E_TOO_LARGE);
    CHECK_EQ(id, 77);
    CHECK_EQ(lfe_lockdep_register(v, XB, 1, &id), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire(NULL, 1, id, 0), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_acquire(v, 1, 999, 0), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_lockdep_acquire(v, 1, UINT32_MAX, 0), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_lockdep_acquire_shared(NULL, 1, id, 0), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_acquire_shared(v, 1, 999, 0), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_lockdep_release(NULL, 1, id, 0), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_release(v, 1, 999, 0), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_lockdep_release(v, 1, id, 0), LFE_E_CONFLICT); /* never held */
    CHECK_EQ(lfe_lockdep_acquire(v, 1, id, 0), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire(v, 1, id, 0), LFE_E_FULL); /* max_held 1: not tracked */
    CHECK_EQ(lfe_lockdep_release(v, 1, id, 0), LFE_OK);     /* the untracked one */
    CHECK_EQ(lfe_lockdep_release(v, 1, id, 0), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire(v, 2, id, 0), LFE_OK);
    CHECK_EQ(lfe_lockdep_scan(NULL, 0, &n), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_scan(v, 0, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_scan(v, UINT64_MAX, &n), LFE_OK);
    CHECK_EQ(lfe_lockdep_violations(NULL, 0, &b), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_violations(v, 0, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_violations(v, UINT64_MAX, &b), LFE_OK);
    lfe_batch_free(b);
    CHECK_EQ(lfe_lockdep_stats(NULL, SIZED(st)), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_stats(v, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_enable(NULL), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_disable(NULL), LFE_E_NULL);
    lfe_lockdep_free(v);
}

static void test_log(void) {
    lfe_log *l = NULL;
    lfe_batch *b = NULL, *err = NULL;
    lfe_log_input in[2];
    lfe_log_query q;
    lfe_log_counters st;
    uint64_t seq = 77;
    size_t done = 77;
    CONFIG_RULES(lfe_log_new, lfe_log, lfe_log_config, lfe_log_free,
                 (((lfe_log_config *)&cb)->capacity = 4, ((lfe_log_config *)&cb)->manual = 1));
    {
        T_SIZED(lfe_log_config, c);
        c.manual = 2; /* not 0/1 */
        CHECK_EQ(lfe_log_new(&c, &l), LFE_E_INVALID);
        c.manual = 1;
        c.capacity = UINT64_MAX;
        CHECK_EQ(lfe_log_new(&c, &l), LFE_E_INVALID);
        c.capacity = 4;
        c.max_line_len = UINT64_MAX;
        CHECK_NEW_REFUSED(lfe_log_new, c, l, LFE_E_INVALID);
        c.max_line_len = 16;
        c.max_pattern_len = 8;
        CHECK_EQ(lfe_log_new(&c, &l), LFE_OK);
    }
    CHECK_EQ(lfe_log_append(NULL, 1, LFE_LOG_STDOUT, 0, XB, 1, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_log_append(l, 1, LFE_LOG_STDOUT, 0, NULL, 1, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_log_append(l, 1, 3, 0, XB, 1, &seq), LFE_E_INVALID);
    CHECK_EQ(lfe_log_append(l, 1, UINT32_MAX, 0, XB, 1, &seq), LFE_E_INVALID);
    CHECK_EQ(lfe_log_append(l, 1, LFE_LOG_STDOUT, 0, XB, ABSURD, &seq), LFE_E_TOO_LARGE);
    CHECK_EQ(seq, 77);
    CHECK_EQ(lfe_log_append(l, 1, LFE_LOG_STDOUT, 0, NULL, 0, NULL), LFE_OK); /* seq_out may be NULL */
    memset(in, 0, sizeof in);
    in[0].text.ptr = XB;
    in[0].text.len = 1;
    in[1] = in[0];
    in[1].stream = 9;
    CHECK_EQ(lfe_log_append_batch(NULL, in, 1, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_log_append_batch(l, NULL, 1, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_log_append_batch(l, in, ABSURD, &seq), LFE_E_TOO_LARGE);
    CHECK_EQ(lfe_log_append_batch(l, in, 2, &seq), LFE_E_INVALID);
    in[1].stream = LFE_LOG_STDERR;
    in[1].text.ptr = NULL;
    in[1].text.len = 3;
    CHECK_EQ(lfe_log_append_batch(l, in, 2, &seq), LFE_E_NULL);
    CHECK_EQ(seq, 77);
    CHECK_EQ(lfe_log_read(NULL, 0, 1, &b), LFE_E_NULL);
    CHECK_EQ(lfe_log_read(l, 0, 1, NULL), LFE_E_NULL);
    /* A cursor beyond the end is invalid (out untouched); an absurd max is fine. */
    CHECK_EQ(lfe_log_read(l, UINT64_MAX, ABSURD, &b), LFE_E_INVALID);
    CHECK(b == NULL);
    CHECK_EQ(lfe_log_read(l, 0, ABSURD, &b), LFE_OK);
    lfe_batch_free(b);
    b = NULL;
    CHECK_EQ(lfe_log_tail(NULL, 1, 0, 0, &b), LFE_E_NULL);
    CHECK_EQ(lfe_log_tail(l, 1, 2, 0, &b), LFE_E_INVALID); /* has_process not 0/1 */
    CHECK_EQ(lfe_log_tail(l, ABSURD, 0, 0, &b), LFE_OK);
    lfe_batch_free(b);
    b = NULL;
    /* Search: query size, flags, level, pattern length, bad pattern with and without err_out. */
    memset(&q, 0, sizeof q);
    q.size = sizeof q;
    q.pattern.ptr = (const uint8_t *)"(";
    q.pattern.len = 1;
    CHECK_EQ(lfe_log_search(NULL, &q, &b, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_search(l, NULL, &b, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_search(l, &q, NULL, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_BAD_PATTERN);
    CHECK(b == NULL);
    CHECK_EQ(lfe_log_search(l, &q, &b, &err), LFE_E_BAD_PATTERN);
    CHECK(b == NULL && err != NULL && err->kind == LFE_REC_TEXT && err->count == 1);
    lfe_batch_free(err);
    q.flags = LFE_LOG_SEARCH_LITERAL; /* a literal "(" always compiles */
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_OK);
    lfe_batch_free(b);
    b = NULL;
    q.flags = 8;
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_INVALID);
    q.flags = UINT32_MAX;
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_INVALID);
    q.flags = 0;
    q.min_level = LFE_LOG_LEVEL_CRITICAL + 1;
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_INVALID);
    q.min_level = 0;
    q.size = 3;
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_INVALID);
    q.size = sizeof q - 1; /* below the smallest known version */
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_INVALID);
    q.size = sizeof q;
    q.pattern.len = 9; /* over max_pattern_len 8: never read past the check */
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_TOO_LARGE);
    q.pattern.len = ABSURD;
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_TOO_LARGE);
    q.pattern.ptr = NULL;
    q.pattern.len = 2;
    CHECK_EQ(lfe_log_search(l, &q, &b, NULL), LFE_E_NULL);
    CHECK(b == NULL);
    CHECK_NULLS(lfe_log_urls, l, &b);
    CHECK_NULLS(lfe_log_errors, l, &b);
    memset(&st, 0, sizeof st);
    st.size = 3;
    CHECK_EQ(lfe_log_stats(l, &st), LFE_E_INVALID);
    CHECK_NULLS(lfe_log_stats, l, &st);
    st.size = sizeof(size_t) + sizeof(uint64_t); /* smaller than the struct: refused */
    CHECK_EQ(lfe_log_stats(l, &st), LFE_E_INVALID);
    CHECK_EQ(st.appended, 0); /* not written */
    CHECK_EQ(lfe_log_stats(l, SIZED(st)), LFE_OK);
    CHECK_EQ(st.size, sizeof st);
    CHECK_EQ(st.appended, 1);
    CHECK_EQ(lfe_log_enrich(NULL, 1, &done), LFE_E_NULL);
    CHECK_EQ(done, 77);
    CHECK_EQ(lfe_log_enrich(l, ABSURD, NULL), LFE_OK);
    CHECK_EQ(lfe_log_sync(NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_clear(NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_clear_process(NULL, 1), LFE_E_NULL);
    lfe_log_free(l);
}

int main(void) {
    test_status_and_free();
    test_queue();
    test_bus();
    test_procs();
    test_routes();
    test_requests();
    test_lockdep();
    test_log();
    return t_finish("test_hostile");
}
