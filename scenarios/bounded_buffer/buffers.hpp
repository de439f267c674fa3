// The bounded buffers of the bounded_buffer scenario: one storage ring and
// the ways of synchronizing it that the variants compare. Each buffer has
// `put(item)` (blocks while the buffer is full) and `take()` (blocks while it
// is empty).
#pragma once

#include <array>
#include <cstddef>
#include <mutex>

#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"
#include "weft/semaphore.hpp"
#include "weft/shared.hpp"

namespace weft::scenarios::bounded_buffer {

// The storage: `Capacity` slots used as a ring, not synchronized: every
// buffer below guards it its own way. push and pop assert that the buffer
// has room, or an item: the assertions are where a wrong wait shows up.
template <int Capacity>
class ring {
  static_assert(Capacity > 0);

 public:
  [[nodiscard]] bool full() const { return count_.get() == Capacity; }
  [[nodiscard]] bool empty() const { return count_.get() == 0; }

  void push(int item) {
    WEFT_ASSERT(count_.get() < Capacity);
    slot(head_.get() + count_.get()).set(item);
    count_.set(count_.get() + 1);
  }

  int pop() {
    WEFT_ASSERT(count_.get() > 0);
    const int item = slot(head_.get()).get();
    head_.set((head_.get() + 1) % Capacity);
    count_.set(count_.get() - 1);
    return item;
  }

 private:
  // The slot at `position`, wrapped into the ring. Any int is accepted, so
  // that a native run that goes on past a failed assertion (`weft run`
  // counts them) stays in bounds even when a race has corrupted the count.
  weft::shared<int>& slot(int position) {
    return slots_[static_cast<std::size_t>((position % Capacity + Capacity) % Capacity)];
  }

  std::array<weft::shared<int>, static_cast<std::size_t>(Capacity)> slots_;
  weft::shared<int> head_{0};   // the oldest item's slot
  weft::shared<int> count_{0};  // items in the ring
};

// Waits with `if` instead of `while`: a woken thread assumes the condition
// it waited for still holds. It does not: between the notify and the woken
// thread's return from wait (it must re-acquire the mutex first), another
// producer can take the mutex and fill the slot that was freed.
template <int Capacity>
class if_wait_buffer {
 public:
  void put(int item) {
    std::unique_lock lock(m_);
    if (items_.full()) not_full_.wait(lock);  // BUG: `if`: the slot may be gone on return
    items_.push(item);
    lock.unlock();
    not_empty_.notify_one();
  }

  int take() {
    std::unique_lock lock(m_);
    if (items_.empty()) not_empty_.wait(lock);  // BUG: `if`: the item may be gone on return
    const int item = items_.pop();
    lock.unlock();
    not_full_.notify_one();
    return item;
  }

 private:
  weft::mutex m_;
  weft::condition_variable not_full_;
  weft::condition_variable not_empty_;
  ring<Capacity> items_;
};

// One condition variable for both conditions, each waiting in a correct
// `while` loop. `waking_all` chooses the notify: notify_one (the bug) may
// wake a thread of the same side, which finds its condition still false and
// waits again, and the wake-up the other side needed is lost; notify_all
// (the fix) wakes every waiter, so whoever can proceed does.
template <int Capacity, bool waking_all>
class single_cv_buffer {
 public:
  void put(int item) {
    std::unique_lock lock(m_);
    while (items_.full())
      changed_.wait(lock);
    items_.push(item);
    lock.unlock();
    notify();
  }

  int take() {
    std::unique_lock lock(m_);
    while (items_.empty())
      changed_.wait(lock);
    const int item = items_.pop();
    lock.unlock();
    notify();
    return item;
  }

 private:
  void notify() {
    if constexpr (waking_all) {
      changed_.notify_all();  // FIX: a producer and a consumer both wake
    } else {
      changed_.notify_one();  // BUG: may wake a thread of the side that cannot proceed
    }
  }

  weft::mutex m_;
  weft::condition_variable changed_;  // "the buffer changed": both conditions
  ring<Capacity> items_;
};

// The textbook monitor: `while` loops, and one condition variable per
// condition, so a notify always reaches a thread that waits for exactly that.
template <int Capacity>
class two_cv_buffer {
 public:
  void put(int item) {
    std::unique_lock lock(m_);
    while (items_.full())  // FIX: re-checked after every wake-up
      not_full_.wait(lock);
    items_.push(item);
    lock.unlock();
    not_empty_.notify_one();  // FIX: only consumers wait on not_empty_
  }

  int take() {
    std::unique_lock lock(m_);
    while (items_.empty())
      not_empty_.wait(lock);
    const int item = items_.pop();
    lock.unlock();
    not_full_.notify_one();
    return item;
  }

 private:
  weft::mutex m_;
  weft::condition_variable not_full_;
  weft::condition_variable not_empty_;
  ring<Capacity> items_;
};

// Counting semaphores for the free and the filled slots. `guarded` chooses
// whether a mutex also keeps threads apart inside the ring: with capacity
// above one, two producers can hold a free slot each and push at once, so
// without it (the bug) they race on the ring's count and slots.
template <int Capacity, bool guarded>
class semaphore_buffer {
 public:
  void put(int item) {
    free_slots_.acquire();
    if constexpr (guarded) {
      const std::lock_guard guard(m_);  // FIX: one thread at a time in the ring
      items_.push(item);
    } else {
      items_.push(item);  // BUG: another producer may be pushing too
    }
    filled_slots_.release();
  }

  int take() {
    filled_slots_.acquire();
    int item = 0;
    if constexpr (guarded) {
      const std::lock_guard guard(m_);
      item = items_.pop();
    } else {
      item = items_.pop();  // BUG: another consumer may be popping too
    }
    free_slots_.release();
    return item;
  }

 private:
  weft::counting_semaphore<Capacity> free_slots_{Capacity};
  weft::counting_semaphore<Capacity> filled_slots_{0};
  weft::mutex m_;
  ring<Capacity> items_;
};

// The semaphores taken in the wrong order: the mutex first, then the slot.
// A consumer that finds the buffer empty sleeps on filled_slots_ while it
// holds the mutex, so no producer can get in to fill a slot: a deadlock
// (the classic slip in Dijkstra's solution).
template <int Capacity>
class mutex_then_semaphore_buffer {
 public:
  void put(int item) {
    const std::lock_guard guard(m_);
    free_slots_.acquire();  // BUG: sleeps holding m_, which take() needs to free a slot
    items_.push(item);
    filled_slots_.release();
  }

  int take() {
    const std::lock_guard guard(m_);
    filled_slots_.acquire();  // BUG: sleeps holding m_, which put() needs to fill a slot
    const int item = items_.pop();
    free_slots_.release();
    return item;
  }

 private:
  weft::counting_semaphore<Capacity> free_slots_{Capacity};
  weft::counting_semaphore<Capacity> filled_slots_{0};
  weft::mutex m_;
  ring<Capacity> items_;
};

}  // namespace weft::scenarios::bounded_buffer
