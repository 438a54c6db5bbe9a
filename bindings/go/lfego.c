#include <string.h>
#include "lfego.h"

int32_t lfego_queue_push(const lfe_queue *q, uint32_t type, uint64_t pid, uint64_t ts,
                         const uint8_t *p, size_t n) {
	lfe_event_input e = {type, 0, pid, ts, {p, n}};
	return lfe_queue_push(q, &e);
}

int32_t lfego_queue_push_timeout(const lfe_queue *q, uint32_t type, uint64_t pid, uint64_t ts,
                                 const uint8_t *p, size_t n, uint64_t timeout_ns) {
	lfe_event_input e = {type, 0, pid, ts, {p, n}};
	return lfe_queue_push_timeout(q, &e, timeout_ns);
}

int32_t lfego_bus_publish1(const lfe_bus *b, uint32_t type, uint64_t pid, uint64_t ts,
                           const uint8_t *p, size_t n) {
	lfe_event_input e = {type, 0, pid, ts, {p, n}};
	return lfe_bus_publish(b, &e);
}

/* Takes the single event of batch b into *ev. If its payload fits in cap bytes it is copied to
 * buf and the batch is freed (*keep = NULL); otherwise *keep = b and ev->payload points into it
 * (the caller copies it, then frees the batch). */
static int32_t take1(lfe_batch *b, lfe_event *ev, uint8_t *buf, size_t cap, lfe_batch **keep) {
	*keep = b;
	if (b->count != 1 || b->kind != LFE_REC_EVENT || b->record_size != sizeof(lfe_event)) {
		return LFE_E_INVALID;
	}
	*ev = *(const lfe_event *)b->records;
	if (ev->payload.len <= cap) {
		if (ev->payload.len > 0) {
			memcpy(buf, ev->payload.ptr, ev->payload.len);
		}
		ev->payload.ptr = NULL;
		lfe_batch_free(b);
		*keep = NULL;
	}
	return LFE_OK;
}

int32_t lfego_queue_pop1(const lfe_queue *q, int wait, uint64_t timeout_ns, lfe_event *ev,
                         uint8_t *buf, size_t cap, lfe_batch **keep) {
	lfe_batch *b = NULL;
	int32_t rc = wait ? lfe_queue_pop_timeout(q, timeout_ns, &b) : lfe_queue_pop(q, &b);
	*keep = NULL;
	return rc == LFE_OK ? take1(b, ev, buf, cap, keep) : rc;
}

int32_t lfego_sub_pop1(const lfe_sub *s, int wait, uint64_t timeout_ns, lfe_event *ev,
                       uint8_t *buf, size_t cap, lfe_batch **keep) {
	lfe_batch *b = NULL;
	int32_t rc = wait ? lfe_sub_pop_timeout(s, timeout_ns, &b) : lfe_sub_pop(s, &b);
	*keep = NULL;
	return rc == LFE_OK ? take1(b, ev, buf, cap, keep) : rc;
}
