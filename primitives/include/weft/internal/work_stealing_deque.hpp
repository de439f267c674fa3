// weft/internal/work_stealing_deque.hpp
//
// A Chase–Lev work-stealing deque of task pointers (Chase and Lev, SPAA
// 2005; memory orders after Lê, Pop, Cohen and Zappa Nardelli, PPoPP 2013).
// One owner thread pushes and pops at the bottom (LIFO: the most recently
// forked task runs next, while it is hot in cache); any thread steals at the
// top (FIFO: thieves take the oldest, typically the largest, piece of work).
//
// Concurrency contract: push, push_chain and pop are called only by the
// owner; steal and size_estimate by anyone.
//
// Memory orders. Lê et al. place two standalone seq_cst fences (in pop
// between the store of bottom and the load of top; in steal between the
// loads of top and bottom). ThreadSanitizer does not model fences and the
// seam has none, so the accesses the fences order are seq_cst operations
// instead: pop's store of bottom and load of top, steal's loads of top and
// bottom, and the CAS on top. Seq_cst operations on top and bottom are
// totally ordered, which is exactly what the fences bought. push publishes
// with a seq_cst store of bottom (a release would do for the deque; the
// pool's sleep protocol needs the push itself to be seq_cst, see
// pool_core::notify_work). Slots are relaxed atomics: a thief may read a
// slot the owner is overwriting after a wrap-around; its CAS on top then
// fails and the value is discarded.
//
// Growth: the buffer is a power-of-two ring that doubles when full. A thief
// may still be reading the old buffer, so old buffers are retired, not
// freed, until the deque is destroyed (with the pool). Retired memory is
// bounded by the final buffer's size (a geometric series).
//
// Cost: push is a slot store and one seq_cst store (no RMW); pop is one
// seq_cst store and load, plus a CAS only for the last element; steal is
// two loads and a CAS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "weft/internal/task.hpp"
#include "weft/seam.hpp"

namespace weft::internal {

class work_stealing_deque {
 public:
  explicit work_stealing_deque(std::size_t initial_capacity = 256)
      : buffer_(new ring(round_up_pow2(initial_capacity), nullptr)) {}
  work_stealing_deque(const work_stealing_deque&) = delete;
  work_stealing_deque& operator=(const work_stealing_deque&) = delete;

  // Requires: the deque is empty and no thread uses it any more.
  ~work_stealing_deque() {
    ring* r = buffer_.load(std::memory_order_relaxed);
    while (r != nullptr) {
      ring* older = r->retired;
      delete r;
      r = older;
    }
  }

  // Owner only.
  void push(task_base* task) {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    const std::int64_t t = top_.load(std::memory_order_acquire);
    ring* r = buffer_.load(std::memory_order_relaxed);
    if (b - t >= static_cast<std::int64_t>(r->capacity)) r = grow(r, t, b, 1);
    r->put(b, task);
    bottom_.store(b + 1, std::memory_order_seq_cst);
  }

  // Owner only. Pushes the chain newest -> ... (linked through `next`) of
  // `count` tasks with one publication; `newest` is the next one pop()
  // returns, the oldest the next one a thief takes.
  void push_chain(task_base* newest, std::size_t count) {
    if (count == 0) return;
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    const std::int64_t t = top_.load(std::memory_order_acquire);
    ring* r = buffer_.load(std::memory_order_relaxed);
    const auto n = static_cast<std::int64_t>(count);
    if (b - t + n > static_cast<std::int64_t>(r->capacity)) r = grow(r, t, b, count);
    task_base* task = newest;
    for (std::int64_t i = n - 1; i >= 0; --i) {
      r->put(b + i, task);
      task = task->next;
    }
    bottom_.store(b + n, std::memory_order_seq_cst);
  }

  // Owner only. The most recently pushed task, or nullptr.
  task_base* pop() {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    ring* r = buffer_.load(std::memory_order_relaxed);
    bottom_.store(b, std::memory_order_seq_cst);
    std::int64_t t = top_.load(std::memory_order_seq_cst);
    if (t > b) {  // empty
      bottom_.store(b + 1, std::memory_order_relaxed);
      return nullptr;
    }
    task_base* task = r->get(b);
    if (t == b) {
      // The last element: race the thieves for it through top.
      if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
        task = nullptr;
      }
      bottom_.store(b + 1, std::memory_order_relaxed);
    }
    return task;
  }

  enum class steal_status : std::uint8_t { success, empty, lost_race };

  // Any thread. Takes the oldest task into `out`. `lost_race` means another
  // thread took the element first; the deque may still hold more.
  steal_status steal(task_base*& out) {
    std::int64_t t = top_.load(std::memory_order_seq_cst);
    const std::int64_t b = bottom_.load(std::memory_order_seq_cst);
    if (t >= b) return steal_status::empty;
    ring* r = buffer_.load(std::memory_order_acquire);
    task_base* task = r->get(t);
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      return steal_status::lost_race;
    }
    out = task;
    return steal_status::success;
  }

  // Any thread. A snapshot that may be stale at once; seq_cst so that the
  // pool's sleep protocol can rely on it (see pool_core::park).
  [[nodiscard]] std::size_t size_estimate() const {
    const std::int64_t t = top_.load(std::memory_order_seq_cst);
    const std::int64_t b = bottom_.load(std::memory_order_seq_cst);
    return b > t ? static_cast<std::size_t>(b - t) : 0;
  }

 private:
  struct ring {
    ring(std::size_t cap, ring* older)
        : capacity(cap), mask(cap - 1), slots(new seam::atomic<task_base*>[cap]), retired(older) {}

    // Not const: it writes the ring, through the slots pointer.
    void put(std::int64_t i, task_base* task) {  // NOLINT(readability-make-member-function-const)
      slots[static_cast<std::size_t>(i) & mask].store(task, std::memory_order_relaxed);
    }
    [[nodiscard]] task_base* get(std::int64_t i) const {
      return slots[static_cast<std::size_t>(i) & mask].load(std::memory_order_relaxed);
    }

    std::size_t capacity;
    std::size_t mask;
    std::unique_ptr<seam::atomic<task_base*>[]> slots;
    ring* retired;  // the buffer this one replaced, kept for late thieves
  };

  static std::size_t round_up_pow2(std::size_t n) {
    std::size_t c = 2;
    while (c < n)
      c *= 2;
    return c;
  }

  // Owner only: moves [t, b) into a ring with room for `extra` more and
  // publishes it; the old ring is retired, never freed while thieves may
  // read it.
  ring* grow(ring* old, std::int64_t t, std::int64_t b, std::size_t extra) {
    std::size_t cap = old->capacity * 2;
    while (static_cast<std::size_t>(b - t) + extra > cap)
      cap *= 2;
    auto* bigger = new ring(cap, old);
    for (std::int64_t i = t; i < b; ++i)
      bigger->put(i, old->get(i));
    buffer_.store(bigger, std::memory_order_release);
    return bigger;
  }

  // top and bottom on their own cache lines: thieves hammer top, the owner
  // bottom.
  alignas(64) seam::atomic<std::int64_t> top_{0};
  alignas(64) seam::atomic<std::int64_t> bottom_{0};
  alignas(64) seam::atomic<ring*> buffer_;
};

}  // namespace weft::internal
