// pizza/order_book.hpp: the pizza service's order book: how many orders
// each client has placed, and how many pizzas are ordered in all.
//
// Contract: the book holds one slot per client, numbered 0..clients-1.
// Every member locks mutex() itself except the *_locked ones, which the
// caller must call with mutex() held (front_desk does, to book an order
// and reserve its dough as one step). record_with_unlocked_total is the
// `pizza.unsynchronized_totals` bug, kept beside the right way on purpose.
//
// Invariant (whenever mutex() is free): total_pizzas() is the sum of the pizzas
// of the orders recorded and not struck.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/source_location.hpp"

namespace weft::scenarios::pizza {

class order_book {
 public:
  explicit order_book(int clients) : orders_(static_cast<std::size_t>(clients)) {}

  // The lock of the book. Lock order: the book before the inventory (see
  // front_desk).
  [[nodiscard]] weft::mutex& mutex() noexcept { return mutex_; }

  // Records one order of `pizzas` by `client`.
  void record(int client, int pizzas) {
    const std::lock_guard lock(mutex_);
    record_locked(client, pizzas);
  }

  // Requires: mutex() held by the caller.
  void record_locked(int client, int pizzas) {
    add(slot(client), 1);
    add(total_pizzas_, pizzas);
  }

  // Strikes one order of `pizzas` by `client` (a cancellation).
  // Requires: mutex() held by the caller; the order was recorded.
  void strike_locked(int client, int pizzas) {
    add(slot(client), -1);
    add(total_pizzas_, -pizzas);
  }

  // THE BUG of `pizza.unsynchronized_totals`: the client's slot is updated
  // under the lock, but the running total after it is released, as if a
  // single `+=` could not be interrupted. Two handlers recording at once
  // both read the old total and one order's pizzas are lost; the checker
  // reports the unordered writes as a data race.
  void record_with_unlocked_total(int client, int pizzas) {
    {
      const std::lock_guard lock(mutex_);
      add(slot(client), 1);
    }
    // BUG: a read and a write of shared data with no lock held.
    total_pizzas_.set(total_pizzas_.get() + pizzas);
  }

  [[nodiscard]] int orders_of(int client) {
    const std::lock_guard lock(mutex_);
    return slot(client).get();
  }

  [[nodiscard]] int total_pizzas() {
    const std::lock_guard lock(mutex_);
    return total_pizzas_.get();
  }

 private:
  weft::shared<int>& slot(int client) { return orders_.at(static_cast<std::size_t>(client)); }

  // get() and set() rather than `+=`, so that the checker's trace names the
  // caller's line (weft::shared's compound operators report their own).
  static void add(weft::shared<int>& count, int n,
                  weft::source_location where = weft::source_location::current()) {
    count.set(count.get(where) + n, where);
  }

  weft::mutex mutex_;
  // Guarded by mutex_ (each client writes only its own slot, but readers
  // such as orders_of may be any thread).
  std::vector<weft::shared<int>> orders_;
  weft::shared<int> total_pizzas_{0};  // guarded by mutex_
};

}  // namespace weft::scenarios::pizza
