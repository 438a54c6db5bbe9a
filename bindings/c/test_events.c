/* C tests of the event queue and bus: push/pop, batches, blocking pop with timeout, close,
 * NULLs, TOO_LARGE, subscriptions with lag, and the eventfd becoming readable. */
#define _POSIX_C_SOURCE 200809L
#include "lfe.h"
#include "test_util.h"
#include <poll.h>
#include <pthread.h>
#include <string.h>

static lfe_event_input ev_in(uint32_t type, const char *s) {
    lfe_event_input e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.process_id = 42;
    e.payload.ptr = (const uint8_t *)s;
    e.payload.len = s ? strlen(s) : 0;
    return e;
}

static int readable(int fd) {
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void *blocked_pop(void *arg) {
    lfe_batch *b = NULL;
    int32_t rc = lfe_queue_pop_timeout((const lfe_queue *)arg, LFE_TIMEOUT_INFINITE, &b);
    lfe_batch_free(b);
    return (void *)(intptr_t)rc;
}

static void test_queue(void) {
    lfe_queue *q = NULL;
    T_SIZED(lfe_queue_config, cfg);
    cfg.capacity = 4;
    cfg.max_payload = 8;
    cfg.overflow = LFE_OVERFLOW_REJECT;
    CHECK_EQ(lfe_queue_new(&cfg, NULL), LFE_E_NULL);
    cfg.overflow = 7;
    CHECK_EQ(lfe_queue_new(&cfg, &q), LFE_E_INVALID);
    cfg.overflow = LFE_OVERFLOW_REJECT;
    cfg.capacity = 0;
    CHECK_NEW_REFUSED(lfe_queue_new, cfg, q, LFE_E_INVALID);
    cfg.capacity = 4;
    CHECK_EQ(lfe_queue_new(&cfg, &q), LFE_OK);

    lfe_event_input e = ev_in(LFE_EVENT_LOG_LINE, "hello");
    CHECK_NULLS(lfe_queue_push, q, &e);
    lfe_event_input big = ev_in(LFE_EVENT_LOG_LINE, "123456789");
    CHECK_EQ(lfe_queue_push(q, &big), LFE_E_TOO_LARGE);
    lfe_event_input bad = ev_in(0, "x");
    CHECK_EQ(lfe_queue_push(q, &bad), LFE_E_INVALID);
    lfe_event_input nullpay = ev_in(LFE_EVENT_LOG_LINE, NULL);
    nullpay.payload.len = 3;
    CHECK_EQ(lfe_queue_push(q, &nullpay), LFE_E_NULL);

    CHECK_EQ(lfe_queue_push(q, &e), LFE_OK);
    lfe_event_input batch[4] = {ev_in(LFE_EVENT_TEST_PASSED, "a"), ev_in(LFE_EVENT_TEST_FAILED, "b"),
                                ev_in(LFE_EVENT_HOST_MIN + 3, ""), ev_in(LFE_EVENT_LOG_LINE, "d")};
    size_t pushed = 99;
    CHECK_EQ(lfe_queue_push_batch(q, batch, 4, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_queue_push_batch(q, batch, 4, &pushed), LFE_OK);
    CHECK_EQ(pushed, 3);
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_FULL);
    CHECK_EQ(lfe_queue_push_timeout(q, &e, 1000000), LFE_E_TIMEOUT);

    lfe_batch *b = NULL;
    CHECK_EQ(lfe_queue_pop(q, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_queue_pop_batch(q, 0, &b), LFE_E_INVALID);
    CHECK_EQ(lfe_queue_pop(q, &b), LFE_OK);
    CHECK_EQ(b->kind, LFE_REC_EVENT);
    CHECK_EQ(b->record_size, sizeof(lfe_event));
    CHECK_EQ(b->count, 1);
    const lfe_event *r = (const lfe_event *)b->records;
    CHECK_EQ(r[0].type, LFE_EVENT_LOG_LINE);
    CHECK_EQ(r[0].process_id, 42);
    CHECK(r[0].ts_ns > 0);
    CHECK(r[0].payload.len == 5 && memcmp(r[0].payload.ptr, "hello", 5) == 0);
    uint64_t first_seq = r[0].seq;
    lfe_batch_free(b);

    CHECK_EQ(lfe_queue_pop_batch(q, 10, &b), LFE_OK);
    CHECK_EQ(b->count, 3);
    r = (const lfe_event *)b->records;
    CHECK(r[0].seq > first_seq && r[1].seq > r[0].seq && r[2].seq > r[1].seq);
    CHECK_EQ(r[2].type, LFE_EVENT_HOST_MIN + 3);
    CHECK_EQ(r[2].payload.len, 0);
    lfe_batch_free(b);

    /* Blocking pop on an empty queue times out. */
    b = NULL;
    CHECK_EQ(lfe_queue_pop_timeout(q, 1000000, &b), LFE_E_TIMEOUT);
    CHECK(b == NULL);
    CHECK_EQ(lfe_queue_pop_batch_timeout(q, 4, 1000000, &b), LFE_E_TIMEOUT);
    CHECK_EQ(lfe_queue_pop(q, &b), LFE_E_EMPTY);

    lfe_queue_counters st;
    CHECK_EQ(lfe_queue_stats(q, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_queue_stats(q, SIZED(st)), LFE_OK);
    CHECK_EQ(st.pushed, 4);
    CHECK_EQ(st.popped, 4);
    CHECK_EQ(st.depth, 0);
    CHECK_EQ(st.capacity, 4);

    /* close wakes a blocked consumer; leftovers drain, then CLOSED. */
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, blocked_pop, q), 0);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    CHECK_EQ(lfe_queue_close(q), LFE_OK);
    void *rv = NULL;
    pthread_join(t, &rv);
    CHECK_EQ((intptr_t)rv, LFE_E_CLOSED);
    CHECK_EQ(lfe_queue_push(q, &e), LFE_E_CLOSED);
    CHECK_EQ(lfe_queue_pop(q, &b), LFE_E_CLOSED);
    CHECK_EQ(lfe_queue_close(NULL), LFE_E_NULL);
    lfe_queue_free(q);
    lfe_queue_free(NULL);

    /* Drop-oldest. */
    cfg.overflow = LFE_OVERFLOW_DROP_OLDEST;
    cfg.capacity = 2;
    CHECK_EQ(lfe_queue_new(&cfg, &q), LFE_OK);
    int n = t_light() ? 10 : 1000;
    for (int i = 0; i < n; i++) CHECK_EQ(lfe_queue_push(q, &e), LFE_OK);
    CHECK_EQ(lfe_queue_stats(q, SIZED(st)), LFE_OK);
    CHECK_EQ(st.dropped, n - 2);
    CHECK_EQ(st.depth, 2);
    lfe_queue_free(q); /* frees the events still inside */
}

static void test_bus(void) {
    lfe_bus *bus = NULL;
    CHECK_EQ(lfe_bus_new(NULL, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_bus_new(NULL, &bus), LFE_OK);

    lfe_sub *all = NULL, *logs = NULL, *small = NULL;
    uint32_t types[] = {LFE_EVENT_LOG_LINE};
    CHECK_EQ(lfe_bus_subscribe(NULL, LFE_EVENT_MASK_ALL, NULL, 0, 8, &all), LFE_E_NULL);
    CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 0, &all), LFE_E_INVALID);
    CHECK_EQ(lfe_bus_subscribe(bus, 0, NULL, 0, 8, &all), LFE_E_INVALID);
    CHECK_EQ(lfe_bus_subscribe(bus, 0, NULL, 1, 8, &logs), LFE_E_NULL);
    CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 64, &all), LFE_OK);
    CHECK_EQ(lfe_bus_subscribe(bus, 0, types, 1, 64, &logs), LFE_OK);
    CHECK_EQ(lfe_bus_subscribe(bus, LFE_EVENT_MASK_ALL, NULL, 0, 2, &small), LFE_OK);

    int fd = -1;
    CHECK_EQ(lfe_sub_fd(all, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_sub_fd(all, &fd), LFE_OK);
    CHECK(fd >= 0);
    CHECK(!readable(fd));

    lfe_event_input e = ev_in(LFE_EVENT_LOG_LINE, "line");
    CHECK_NULLS(lfe_bus_publish, bus, &e);
    char big[4098];
    memset(big, 'x', sizeof big - 1);
    big[4097] = 0;
    lfe_event_input eb = ev_in(LFE_EVENT_LOG_LINE, big);
    CHECK_EQ(lfe_bus_publish(bus, &eb), LFE_E_TOO_LARGE);
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_OK);
    CHECK(readable(fd)); /* poll with timeout 0 after a publish */
    lfe_event_input more[3] = {ev_in(LFE_EVENT_PROCESS_STARTED, "p"), ev_in(LFE_EVENT_LOG_LINE, "l"),
                               ev_in(LFE_EVENT_URL_DETECTED, "u")};
    CHECK_EQ(lfe_bus_publish_batch(bus, more, 3), LFE_OK);
    CHECK_EQ(lfe_bus_publish_batch(bus, NULL, 1), LFE_E_NULL);

    lfe_batch *b = NULL;
    CHECK_EQ(lfe_sub_pop_batch(all, 16, &b), LFE_OK);
    CHECK_EQ(b->count, 4);
    const lfe_event *r = (const lfe_event *)b->records;
    for (size_t i = 1; i < b->count; i++) CHECK(r[i].seq == r[i - 1].seq + 1);
    CHECK_EQ(b->missed, 0);
    lfe_batch_free(b);
    CHECK_EQ(lfe_sub_pop(all, &b), LFE_E_EMPTY);
    CHECK(!readable(fd)); /* drained: no longer readable */
    CHECK_EQ(lfe_sub_pop_timeout(all, 1000000, &b), LFE_E_TIMEOUT);
    CHECK_EQ(lfe_sub_pop_batch_timeout(all, 4, 1000000, &b), LFE_E_TIMEOUT);

    CHECK_EQ(lfe_sub_pop_batch_timeout(logs, 16, 1000000, &b), LFE_OK);
    CHECK_EQ(b->count, 2);
    r = (const lfe_event *)b->records;
    CHECK(r[0].payload.len == 4 && memcmp(r[0].payload.ptr, "line", 4) == 0);
    CHECK(r[1].payload.len == 1 && memcmp(r[1].payload.ptr, "l", 1) == 0);
    lfe_batch_free(b);

    /* The small subscription lagged: 4 published, capacity 2. */
    lfe_sub_counters ss;
    CHECK_EQ(lfe_sub_stats(small, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_sub_stats(small, SIZED(ss)), LFE_OK);
    CHECK_EQ(ss.lagged, 2);
    CHECK_EQ(ss.delivered, 4);
    CHECK_EQ(ss.depth, 2);
    CHECK_EQ(lfe_sub_pop_batch(small, 16, &b), LFE_OK);
    CHECK_EQ(b->count, 2);
    CHECK_EQ(b->missed, 2);
    r = (const lfe_event *)b->records;
    CHECK_EQ(r[0].lost_before, 2);
    lfe_batch_free(b);

    lfe_bus_counters bs;
    CHECK_EQ(lfe_bus_stats(bus, SIZED(bs)), LFE_OK);
    CHECK_EQ(bs.published, 4);
    CHECK_EQ(bs.subscribers, 3);

    /* Unsubscribe: queued events drain, then CLOSED. */
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_OK);
    CHECK_EQ(lfe_sub_unsubscribe(logs), LFE_OK);
    CHECK_EQ(lfe_sub_unsubscribe(logs), LFE_OK);
    CHECK_EQ(lfe_bus_publish(bus, &e), LFE_OK);
    CHECK_EQ(lfe_sub_pop(logs, &b), LFE_OK);
    lfe_batch_free(b);
    CHECK_EQ(lfe_sub_pop(logs, &b), LFE_E_CLOSED);
    CHECK_EQ(lfe_sub_unsubscribe(NULL), LFE_E_NULL);

    lfe_sub_free(logs);
    lfe_bus_free(bus); /* subscriptions outlive the bus */
    CHECK_EQ(lfe_sub_pop(all, &b), LFE_OK);
    lfe_batch_free(b);
    lfe_sub_free(all);
    lfe_sub_free(small);
    lfe_sub_free(NULL);
    lfe_bus_free(NULL);
}

int main(void) {
    test_queue();
    test_bus();
    return t_finish("c events");
}
