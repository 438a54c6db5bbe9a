/* Small C helpers of the Go binding (compiled by cgo with the package). Each one makes a single
 * cgo crossing do what would otherwise take two, or takes a Go payload pointer as a plain
 * argument so no Go pointer is ever stored in memory that C reads (cgo pointer rules). */
#ifndef LFEGO_H
#define LFEGO_H
#include <lfe.h>

int32_t lfego_queue_push(const lfe_queue *q, uint32_t type, uint64_t pid, uint64_t ts,
                         const uint8_t *p, size_t n);
int32_t lfego_queue_push_timeout(const lfe_queue *q, uint32_t type, uint64_t pid, uint64_t ts,
                                 const uint8_t *p, size_t n, uint64_t timeout_ns);
int32_t lfego_bus_publish1(const lfe_bus *b, uint32_t type, uint64_t pid, uint64_t ts,
                           const uint8_t *p, size_t n);
int32_t lfego_queue_pop1(const lfe_queue *q, int wait, uint64_t timeout_ns, lfe_event *ev,
                         uint8_t *buf, size_t cap, lfe_batch **keep);
int32_t lfego_sub_pop1(const lfe_sub *s, int wait, uint64_t timeout_ns, lfe_event *ev,
                       uint8_t *buf, size_t cap, lfe_batch **keep);
#endif
