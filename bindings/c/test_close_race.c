/* Close is final, over the C ABI: many rounds of close racing pushes, unsubscribe racing
 * publishes, and frees racing blocked waiters, with small capacities. Every push or publish
 * acknowledged with LFE_OK must reach a consumer exactly once before that consumer sees
 * LFE_E_CLOSED, nothing refused may be delivered, and nothing may be left behind the CLOSED
 * (a pop after it still returns CLOSED). The free tests run under ASan and valgrind too
 * (make c-test-asan / c-test-valgrind), which would report a blocked call touching freed
 * memory. */
#define _POSIX_C_SOURCE 200809L
#include "lfe.h"
#include "test_util.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 4096

static void sleep_us(long us) {
    struct timespec ts;
    ts.tv_sec = us / 1000000;
    ts.tv_nsec = (us % 1000000) * 1000;
    nanosleep(&ts, NULL);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t payload_u64(const lfe_event *e) {
    uint64_t v = 0;
    if (e->payload.len == sizeof v) memcpy(&v, e->payload.ptr, sizeof v);
    return v;
}

/* ---------------------------------------------------------------------------------------- */
/* Queue: close racing 4 producers (two blocking, two non-blocking) and 4 consumers. */

struct qround {
    lfe_queue *q;
    atomic_uchar seen[PRODUCERS][PER_PRODUCER];
    uint32_t acked[PRODUCERS];      /* pushes that returned OK (a prefix of 0..PER_PRODUCER) */
    atomic_int bad;                  /* unexpected status codes */
    atomic_int after_closed;         /* OK pushes after a CLOSED from the same producer */
};

struct qarg {
    struct qround *r;
    int id;
};

static void *q_producer(void *p) {
    struct qarg *a = p;
    struct qround *r = a->r;
    int closed = 0;
    for (uint32_t i = 0; i < PER_PRODUCER; i++) {
        uint64_t v = ((uint64_t)a->id << 32) | i;
        lfe_event_input e;
        memset(&e, 0, sizeof e);
        e.type = LFE_EVENT_HOST_MIN;
        e.payload.ptr = (const uint8_t *)&v;
        e.payload.len = sizeof v;
        int32_t rc;
        if (a->id % 2 == 0) {
            rc = lfe_queue_push_timeout(r->q, &e, LFE_TIMEOUT_INFINITE);
        } else {
            while ((rc = lfe_queue_push(r->q, &e)) == LFE_E_FULL) sched_yield();
        }
        if (rc == LFE_OK) {
            if (closed) atomic_fetch_add(&r->after_closed, 1);
            r->acked[a->id] = i + 1;
        } else if (rc == LFE_E_CLOSED) {
            closed = 1;
            break;
        } else {
            atomic_fetch_add(&r->bad, 1);
            break;
        }
    }
    return NULL;
}

static void record(struct qround *r, const lfe_event *e) {
    uint64_t v = payload_u64(e);
    uint32_t p = (uint32_t)(v >> 32), i = (uint32_t)v;
    if (p < PRODUCERS && i < PER_PRODUCER)
        atomic_fetch_add(&r->seen[p][i], 1);
    else
        atomic_fetch_add(&r->bad, 1);
}

static void *q_consumer(void *p) {
    struct qarg *a = p;
    struct qround *r = a->r;
    for (;;) {
        lfe_batch *b = NULL;
        int32_t rc = (a->id % 2 == 0) ? lfe_queue_pop_timeout(r->q, LFE_TIMEOUT_INFINITE, &b)
                                      : lfe_queue_pop_batch_timeout(r->q, 3, LFE_TIMEOUT_INFINITE, &b);
        if (rc == LFE_E_CLOSED) break;
        if (rc != LFE_OK) {
            atomic_fetch_add(&r->bad, 1);
            break;
        }
        const lfe_event *evs = (const lfe_event *)b->records;
        for (size_t k = 0; k < b->count; k++) record(r, &evs[k]);
        lfe_batch_free(b);
    }
    return NULL;
}

static void test_queue_close_races_push(int rounds) {
    long lost = 0, dup = 0, ghost = 0, stranded = 0, acked_total = 0;
    for (int round = 0; round < rounds; round++) {
        struct qround *r = calloc(1, sizeof *r);
        T_SIZED(lfe_queue_config, cfg);
        cfg.capacity = 1 + rnd() % 4;
        cfg.max_payload = 8;
        CHECK_EQ(lfe_queue_new(&cfg, &r->q), LFE_OK);
        pthread_t pt[PRODUCERS], ct[CONSUMERS];
        struct qarg pa[PRODUCERS], ca[CONSUMERS];
        for (int i = 0; i < CONSUMERS; i++) {
            ca[i].r = r;
            ca[i].id = i;
            pthread_create(&ct[i], NULL, q_consumer, &ca[i]);
        }
        for (int i = 0; i < PRODUCERS; i++) {
            pa[i].r = r;
            pa[i].id = i;
            pthread_create(&pt[i], NULL, q_producer, &pa[i]);
        }
        sleep_us((long)(rnd() % 3000));
        CHECK_EQ(lfe_queue_close(r->q), LFE_OK);
        for (int i = 0; i < PRODUCERS; i++) pthread_join(pt[i], NULL);
        for (int i = 0; i < CONSUMERS; i++) pthread_join(ct[i], NULL);
        /* Every consumer has seen CLOSED: nothing may be left. */
        lfe_batch *b = NULL;
        int32_t rc = lfe_queue_pop(r->q, &b);
        if (rc != LFE_E_CLOSED) {
            stranded++;
            lfe_batch_free(b);
        }
        for (int p = 0; p < PRODUCERS; p++) {
            acked_total += r->acked[p];
            for (uint32_t i = 0; i < PER_PRODUCER; i++) {
                unsigned n = atomic_load(&r->seen[p][i]);
                if (i < r->acked[p]) {
                    if (n == 0) lost++;
                    if (n > 1) dup++;
                } else if (n != 0) {
                    ghost++; /* delivered although the push did not return OK */
                }
            }
        }
        CHECK_EQ(atomic_load(&r->bad), 0);
        CHECK_EQ(atomic_load(&r->after_closed), 0);
        lfe_queue_free(r->q);
        free(r);
    }
    printf("queue close vs push: %d rounds, %ld acknowledged, lost %ld, duplicated %ld, "
           "refused-but-delivered %ld, stranded %ld\n",
           rounds, acked_total, lost, dup, ghost, stranded);
    CHECK_EQ(lost, 0);
    CHECK_EQ(dup, 0);
    CHECK_EQ(ghost, 0);
    CHECK_EQ(stranded, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Bus: unsubscribe racing two publishers, one consumer draining until CLOSED. */

struct bround {
    lfe_bus *bus;
    lfe_sub *sub;
    atomic_int stop;
    uint64_t received;
    uint64_t lost_before;
    int out_of_order;
    int bad;
};

static void *b_publisher(void *p) {
    struct bround *r = p;
    lfe_event_input e;
    memset(&e, 0, sizeof e);
    e.type = LFE_EVENT_LOG_LINE;
    e.payload.ptr = (const uint8_t *)"x";
    e.payload.len = 1;
    while (!atomic_load(&r->stop)) {
        if (lfe_bus_publish(r->bus, &e) != LFE_OK) r->bad++;
    }
    return NULL;
}

static void *b_consumer(void *p) {
    struct bround *r = p;
    uint64_t last = 0;
    for (;;) {
        lfe_batch *b = NULL;
        int32_t rc = lfe_sub_pop_batch_timeout(r->sub, 4, LFE_TIMEOUT_INFINITE, &b);
        if (rc == LFE_E_CLOSED) break;
        if (rc != LFE_OK) {
            r->bad++;
            break;
        }
        const lfe_event *evs = (const lfe_event *)b->records;
        for (size_t k = 0; k < b->count; k++) {
            if (evs[k].seq <= last) r->out_of_order++;
            last = evs[k].seq;
            r->lost_before += evs[k].lost_before;
            r->received++;
        }
        lfe_batch_free(b);
    }
    return NULL;
}

static void test_bus_unsubscribe_races_publish(int rounds) {
    long stranded = 0, mismatch = 0;
    uint64_t received = 0;
    for (int round = 0; round < rounds; round++) {
        struct bround r;
        memset(&r, 0, sizeof r);
        CHECK_EQ(lfe_bus_new(NULL, &r.bus), LFE_OK);
        CHECK_EQ(lfe_bus_subscribe(r.bus, LFE_EVENT_MASK_ALL, NULL, 0, 1 + rnd() % 8, &r.sub), LFE_OK);
        pthread_t pt[2], ct;
        pthread_create(&ct, NULL, b_consumer, &r);
        for (int i = 0; i < 2; i++) pthread_create(&pt[i], NULL, b_publisher, &r);
        sleep_us((long)(rnd() % 2000));
        CHECK_EQ(lfe_sub_unsubscribe(r.sub), LFE_OK);
        pthread_join(ct, NULL);
        atomic_store(&r.stop, 1);
        for (int i = 0; i < 2; i++) pthread_join(pt[i], NULL);
        lfe_sub_counters sc;
        CHECK_EQ(lfe_sub_stats(r.sub, SIZED(sc)), LFE_OK);
        lfe_batch *b = NULL;
        if (lfe_sub_pop(r.sub, &b) != LFE_E_CLOSED) {
            stranded++;
            lfe_batch_free(b);
        }
        /* Everything delivered into the subscription was received or counted as lagged. */
        if (sc.delivered != r.received + sc.lagged || sc.depth != 0) mismatch++;
        CHECK_EQ(r.bad, 0);
        CHECK_EQ(r.out_of_order, 0);
        CHECK(r.lost_before <= sc.lagged);
        received += r.received;
        lfe_sub_free(r.sub);
        lfe_bus_free(r.bus);
    }
    printf("bus unsubscribe vs publish: %d rounds, %llu received, stranded %ld, "
           "delivered != received + lagged in %ld\n",
           rounds, (unsigned long long)received, stranded, mismatch);
    CHECK_EQ(stranded, 0);
    CHECK_EQ(mismatch, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Frees racing blocked waiters: each waiter must return CLOSED and touch no freed memory. */

struct waiter {
    const void *h;
    int kind; /* 0: queue pop, 1: queue push (full queue), 2: subscription pop, 3: log follower */
    atomic_int started;
    int32_t rc;
    uint64_t got;
};

static void *blocked(void *p) {
    struct waiter *w = p;
    lfe_batch *b = NULL;
    atomic_store(&w->started, 1);
    if (w->kind == 0) {
        w->rc = lfe_queue_pop_timeout((const lfe_queue *)w->h, LFE_TIMEOUT_INFINITE, &b);
    } else if (w->kind == 1) {
        lfe_event_input e;
        memset(&e, 0, sizeof e);
        e.type = LFE_EVENT_LOG_LINE;
        w->rc = lfe_queue_push_timeout((const lfe_queue *)w->h, &e, LFE_TIMEOUT_INFINITE);
    } else if (w->kind == 3) {
        /* A follower: read to the end, wait, until the wait fails. */
        uint64_t cursor = 0;
        for (;;) {
            w->rc = lfe_log_read((const lfe_log *)w->h, cursor, 64, &b);
            if (w->rc != LFE_OK) break;
            w->got += b->count;
            cursor = b->next;
            lfe_batch_free(b);
            b = NULL;
            w->rc = lfe_log_wait((const lfe_log *)w->h, cursor, LFE_TIMEOUT_INFINITE);
            if (w->rc != LFE_OK) break;
        }
    } else {
        for (;;) {
            w->rc = lfe_sub_pop_timeout((const lfe_sub *)w->h, LFE_TIMEOUT_INFINITE, &b);
            if (w->rc != LFE_OK) break;
            w->got++;
            lfe_batch_free(b);
            b = NULL;
        }
    }
    lfe_batch_free(b);
    return NULL;
}

/* Starts `n` waiters and gives them time to block (the free wakes them either way; the pause
 * only makes it likely that they are inside the call, which is what this test is about). */
static void start_waiters(struct waiter *w, pthread_t *t, int n) {
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, blocked, &w[i]);
    for (int i = 0; i < n; i++)
        while (!atomic_load(&w[i].started)) sched_yield();
    sleep_us(t_light() ? 200000 : 20000);
}

/* One waiter of `kind` on handle `h`, started and given time to block. */
static void start_one(struct waiter *w, pthread_t *t, const void *h, int kind) {
    memset(w, 0, sizeof *w);
    w->h = h;
    w->kind = kind;
    start_waiters(w, t, 1);
}

static void test_free_wakes_waiters(int rounds) {
    for (int round = 0; round < rounds; round++) {
        /* Queue: two consumers blocked on an empty queue. */
        lfe_queue *q = NULL;
        CHECK_EQ(lfe_queue_new(NULL, &q), LFE_OK);
        struct waiter w[2];
        pthread_t t[2];
        memset(w, 0, sizeof w);
        for (int i = 0; i < 2; i++) w[i].h = q, w[i].kind = 0;
        start_waiters(w, t, 2);
        lfe_queue_free(q);
        for (int i = 0; i < 2; i++) {
            pthread_join(t[i], NULL);
            CHECK_EQ(w[i].rc, LFE_E_CLOSED);
        }

        /* Queue: a producer blocked on a full queue. */
        T_SIZED(lfe_queue_config, cfg);
        cfg.capacity = 1;
        cfg.max_payload = 8;
        CHECK_EQ(lfe_queue_new(&cfg, &q), LFE_OK);
        lfe_event_input e;
        memset(&e, 0, sizeof e);
        e.type = LFE_EVENT_LOG_LINE;
        CHECK_EQ(lfe_queue_push(q, &e), LFE_OK);
        start_one(w, t, q, 1);
        lfe_queue_free(q);
        pthread_join(t[0], NULL);
        CHECK_EQ(w[0].rc, LFE_E_CLOSED);

        /* Subscription freed under its blocked consumer. */
        lfe_bus *bus = NULL;
        lfe_sub *s = NULL;
        CHECK_EQ(lfe_bus_new(NULL, &bus), LFE_OK);
        CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 4, &s), LFE_OK);
        start_one(w, t, s, 2);
        lfe_sub_free(s);
        pthread_join(t[0], NULL);
        CHECK_EQ(w[0].rc, LFE_E_CLOSED);

        /* Bus freed under a subscription's blocked consumer: it gets what was delivered, then
         * CLOSED; the subscription stays valid until freed. */
        CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 4, &s), LFE_OK);
        start_one(w, t, s, 2);
        CHECK_EQ(lfe_bus_publish(bus, &e), LFE_OK);
        CHECK_EQ(lfe_bus_publish(bus, &e), LFE_OK);
        lfe_bus_free(bus);
        pthread_join(t[0], NULL);
        CHECK_EQ(w[0].rc, LFE_E_CLOSED);
        CHECK_EQ(w[0].got, 2);
        lfe_batch *b = NULL;
        CHECK_EQ(lfe_sub_pop(s, &b), LFE_E_CLOSED);
        lfe_sub_free(s);

        /* Log store freed under a follower blocked in lfe_log_wait: it read the one line,
         * then gets CLOSED. */
        lfe_log *log = NULL;
        CHECK_EQ(lfe_log_new(NULL, &log), LFE_OK);
        CHECK_EQ(lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)"x", 1, NULL), LFE_OK);
        start_one(w, t, log, 3);
        lfe_log_free(log);
        pthread_join(t[0], NULL);
        CHECK_EQ(w[0].rc, LFE_E_CLOSED);
        CHECK_EQ(w[0].got, 1);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Handle close racing calls: lfe_*_close_handle while other threads call the handle. Every
 * racing call returns OK or CLOSED (never anything else, never a crash), every call after the
 * close returns CLOSED, waiters wake with CLOSED, and the free after the join is clean (ASan
 * and valgrind runs check the memory). */

#define CALLERS 3

struct hround {
    lfe_log *log;
    lfe_queue *q;
    atomic_int bad;
    atomic_long ok, closed;
};

static void tally(struct hround *r, int32_t rc) {
    if (rc == LFE_OK)
        atomic_fetch_add(&r->ok, 1);
    else if (rc == LFE_E_CLOSED)
        atomic_fetch_add(&r->closed, 1);
    else
        atomic_fetch_add(&r->bad, 1);
}

static void *h_caller(void *p) {
    struct hround *r = p;
    lfe_event_input e;
    memset(&e, 0, sizeof e);
    e.type = LFE_EVENT_LOG_LINE;
    for (int i = 0;; i++) {
        lfe_batch *b = NULL;
        int32_t rc = lfe_log_append(r->log, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)"line", 4, NULL);
        tally(r, rc);
        int32_t rc2 = lfe_log_tail(r->log, 4, 0, 0, &b);
        tally(r, rc2);
        if (rc2 == LFE_OK) lfe_batch_free(b);
        int32_t rc3 = lfe_queue_push(r->q, &e);
        if (rc3 != LFE_E_FULL) tally(r, rc3);
        b = NULL;
        int32_t rc4 = lfe_queue_pop(r->q, &b);
        if (rc4 != LFE_E_EMPTY) tally(r, rc4);
        if (rc4 == LFE_OK) lfe_batch_free(b);
        if (rc == LFE_E_CLOSED && rc2 == LFE_E_CLOSED && rc3 == LFE_E_CLOSED && rc4 == LFE_E_CLOSED)
            return NULL;
        if (i % 64 == 0) sched_yield();
    }
}

static void test_close_handle_races_calls(int rounds) {
    long ok = 0, closed = 0;
    for (int round = 0; round < rounds; round++) {
        struct hround r;
        memset(&r, 0, sizeof r);
        T_SIZED(lfe_log_config, lc);
        lc.capacity = 16;
        CHECK_EQ(lfe_log_new(&lc, &r.log), LFE_OK);
        CHECK_EQ(lfe_queue_new(NULL, &r.q), LFE_OK);
        struct waiter w[1];
        pthread_t wt[1], t[CALLERS];
        memset(w, 0, sizeof w);
        w[0].h = r.log, w[0].kind = 3;
        for (int i = 0; i < CALLERS; i++) pthread_create(&t[i], NULL, h_caller, &r);
        pthread_create(&wt[0], NULL, blocked, &w[0]);
        sleep_us((long)(rnd() % 2000));
        CHECK_EQ(lfe_log_close_handle(r.log), LFE_OK);
        CHECK_EQ(lfe_queue_close_handle(r.q), LFE_OK);
        CHECK_EQ(lfe_log_close_handle(r.log), LFE_OK); /* idempotent */
        for (int i = 0; i < CALLERS; i++) pthread_join(t[i], NULL);
        pthread_join(wt[0], NULL);
        CHECK_EQ(w[0].rc, LFE_E_CLOSED);
        CHECK_EQ(atomic_load(&r.bad), 0);
        /* After the close: every call is refused. */
        lfe_batch *b = NULL;
        CHECK_EQ(lfe_log_read(r.log, 0, 1, &b), LFE_E_CLOSED);
        CHECK_EQ(lfe_log_wait(r.log, 0, 0), LFE_E_CLOSED);
        CHECK_EQ(lfe_log_interrupt(r.log), LFE_E_CLOSED);
        CHECK_EQ(lfe_queue_pop_timeout(r.q, 0, &b), LFE_E_CLOSED);
        lfe_log_free(r.log);
        lfe_queue_free(r.q);
        ok += atomic_load(&r.ok);
        closed += atomic_load(&r.closed);
    }
    CHECK(closed > 0);
    printf("handle close racing calls: %d rounds, %ld calls OK, %ld CLOSED\n", rounds, ok, closed);
}

int main(void) {
    int light = t_light();
    test_queue_close_races_push(light ? 10 : 200);
    test_bus_unsubscribe_races_publish(light ? 10 : 200);
    test_free_wakes_waiters(light ? 2 : 5);
    test_close_handle_races_calls(light ? 5 : 100);
    return t_finish("test_close_race");
}
