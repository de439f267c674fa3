// pizza/kitchen_queue.hpp: the bounded queue of orders between the
// connection handlers and the cooks.
//
// Handlers push orders (waiting while the queue is full); cooks pop them
// (waiting while it is empty); when the service closes, close() lets the
// cooks finish what is queued and stop: pop() returns nullopt once the
// queue is closed and empty.
//
// Contract: push, pop and close may be called from any threads; push must
// not be called after close (WEFT_ASSERT). close_without_lock is the
// `pizza.lost_wakeup` bug, kept beside the right way on purpose.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"

namespace weft::scenarios::pizza {

struct order {
  int client = 0;
  int pizzas = 0;
};

class kitchen_queue {
 public:
  // Requires: capacity >= 1.
  explicit kitchen_queue(std::size_t capacity) : capacity_(capacity) {}

  // Queues `o` for the cooks, waiting while the queue holds `capacity`
  // orders.
  void push(order o) {
    std::unique_lock lock(mutex_);
    WEFT_ASSERT(!closed_.load());
    while (orders_.size() >= capacity_)
      not_full_.wait(lock);
    orders_.push_back(o);
    lock.unlock();
    not_empty_.notify_one();
  }

  // The next order, waiting while the queue is empty and open; nullopt once
  // it is closed and empty: the cook's signal to stop.
  std::optional<order> pop() {
    std::unique_lock lock(mutex_);
    // The condition is re-checked after every wake-up (a spurious one, or
    // another cook taking the order first), and the lock is held from the
    // check until wait() releases it: a state change made under the lock
    // cannot fall between the two. (An explicit loop rather than
    // wait(lock, predicate): the checker runs a predicate wait as one step
    // at scenario grain, which would hide the window close_without_lock
    // exploits.)
    while (orders_.empty() && !closed_.load())
      not_empty_.wait(lock);
    if (orders_.empty()) return std::nullopt;  // closed, and every order taken
    const order next = orders_.front();
    orders_.pop_front();
    lock.unlock();
    not_full_.notify_one();
    return next;
  }

  // Closes the queue: no more pushes; the cooks take what is queued, then
  // their pop() returns nullopt.
  void close() {
    {
      // The flag changes under the lock the cooks hold between checking
      // it and waiting, so a cook either sees it or is already waiting
      // when notify_all() comes.
      const std::lock_guard lock(mutex_);
      closed_.store(true);
    }
    not_empty_.notify_all();
  }

  // THE BUG of `pizza.lost_wakeup`: the flag is set and the cooks notified
  // without the lock. A cook that has just found the queue empty and the
  // flag clear, holding the lock, is not yet waiting: the store and the
  // notify_all() land in that window, the notify wakes nobody, and the cook
  // then waits for a notification that has already come. It sleeps
  // forever; whoever joins it waits forever too. The flag is atomic, so
  // there is no data race to report: only the lost wake-up.
  void close_without_lock() {
    closed_.store(true);      // BUG: not under mutex_
    not_empty_.notify_all();  // may come before the cook waits: lost
  }

 private:
  const std::size_t capacity_;
  weft::mutex mutex_;
  weft::condition_variable not_empty_;  // cooks wait here
  weft::condition_variable not_full_;   // handlers wait here
  std::deque<order> orders_;            // guarded by mutex_
  // Written under mutex_ by close(). Atomic only so that the buggy
  // close_without_lock() is a lost wake-up and not also a data race.
  weft::atomic<bool> closed_{false};
};

}  // namespace weft::scenarios::pizza
