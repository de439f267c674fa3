// weft/internal/injection_queue.hpp
//
// The pool's shared queue for tasks submitted from outside the pool.
//
// Producers push lock-free onto an "incoming" stack (one CAS per push, or
// per bulk chain). Consumers (pool workers) take batches: under a consumer
// try-lock a worker moves the whole incoming stack, reversed into arrival
// order, to a private FIFO list and takes up to `max` tasks from its front.
// Since a consumer swaps the whole stack out instead of popping single
// nodes, there is no ABA problem; the consumer lock only serialises the
// consumers' private list, and a worker that finds it taken does something
// else (steals) instead of waiting.
//
// Order: FIFO between batches of one producer; tasks of different producers
// interleave as their pushes landed.
//
// Emptiness for the sleep protocol: work is visible at every instant either
// in `incoming_` or through `ready_nonempty_` (set before a consumer swaps
// incoming out, cleared only when its private list is empty), except for
// the tasks a consumer has just taken, which that consumer runs itself.
#pragma once

#include <cstddef>
#include <cstdint>

#include "weft/internal/task.hpp"
#include "weft/seam.hpp"

namespace weft::internal {

class injection_queue {
 public:
  injection_queue() = default;
  injection_queue(const injection_queue&) = delete;
  injection_queue& operator=(const injection_queue&) = delete;

  // Pushes the chain newest -> ... -> oldest (linked through `next`, the
  // oldest's `next` is overwritten). Seq_cst: the pool's sleep protocol
  // orders it before its check for sleeping workers.
  void push(task_base* newest, task_base* oldest) {
    task_base* head = incoming_.load(std::memory_order_relaxed);
    do {
      oldest->next = head;
    } while (!incoming_.compare_exchange_weak(head, newest, std::memory_order_seq_cst,
                                              std::memory_order_relaxed));
  }

  // Takes up to `max` of the oldest tasks into out[0..n), oldest first.
  // Returns 0 if the queue is empty or another consumer holds it (then
  // `busy` is set: the queue may not be empty).
  std::size_t take(task_base** out, std::size_t max, bool& busy) {
    busy = false;
    if (!has_work()) return 0;
    if (consumer_lock_.exchange(1, std::memory_order_acquire) != 0) {
      busy = true;
      return 0;
    }
    if (ready_ == nullptr) {
      ready_nonempty_.store(1, std::memory_order_seq_cst);
      task_base* stack = incoming_.exchange(nullptr, std::memory_order_acq_rel);
      // Reverse the newest-first stack into an oldest-first list.
      task_base* list = nullptr;
      while (stack != nullptr) {
        task_base* next = stack->next;
        stack->next = list;
        list = stack;
        stack = next;
      }
      ready_ = list;
    }
    std::size_t n = 0;
    while (n < max && ready_ != nullptr) {
      out[n++] = ready_;
      ready_ = ready_->next;
    }
    ready_nonempty_.store(ready_ != nullptr ? 1 : 0, std::memory_order_seq_cst);
    consumer_lock_.store(0, std::memory_order_release);
    return n;
  }

  // A seq_cst snapshot (see the header comment).
  [[nodiscard]] bool has_work() const {
    return incoming_.load(std::memory_order_seq_cst) != nullptr ||
           ready_nonempty_.load(std::memory_order_seq_cst) != 0;
  }

 private:
  alignas(64) seam::atomic<task_base*> incoming_{nullptr};
  alignas(64) seam::atomic<std::uint32_t> consumer_lock_{0};
  seam::atomic<std::uint32_t> ready_nonempty_{0};
  task_base* ready_ = nullptr;  // guarded by consumer_lock_
};

}  // namespace weft::internal
