// pizza/inventory.hpp: the kitchen's dough, one ball per pizza.
//
// A ball is in stock, reserved for a booked order, or used (baked). An
// order reserves all its balls or none; a cancellation returns them to the
// stock; baking uses them.
//
// Invariant, checked with WEFT_ASSERT after every change:
//
//   in_stock >= 0,  reserved >= 0,  in_stock + reserved + used == initial
//
// Contract: every member locks mutex() itself except the *_locked ones,
// which the caller must call with mutex() held (front_desk does).
// reserve_check_then_act is the `pizza.oversell` bug, kept beside the right
// way on purpose.
#pragma once

#include <mutex>

#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"

namespace weft::scenarios::pizza {

class inventory {
 public:
  explicit inventory(int dough_balls) : initial_(dough_balls), in_stock_(dough_balls) {}

  // The lock of the inventory. Lock order: the book before the inventory
  // (see front_desk).
  [[nodiscard]] weft::mutex& mutex() noexcept { return mutex_; }

  // Reserves `pizzas` balls if that many are in stock; otherwise reserves
  // nothing. Returns whether it reserved.
  bool reserve(int pizzas) {
    const std::lock_guard lock(mutex_);
    return reserve_locked(pizzas);
  }

  // Requires: mutex() held by the caller.
  bool reserve_locked(int pizzas) {
    // The check and the update under one hold of the lock: no other
    // reservation can take the balls in between.
    if (in_stock_.get() < pizzas) return false;
    move_locked(in_stock_, reserved_, pizzas);
    return true;
  }

  // THE BUG of `pizza.oversell`: check-then-act. The stock is checked
  // under the lock, the lock is released, and the balls are taken under a
  // second hold of it. Two handlers can both see enough dough for their
  // order before either takes any: both take, and the stock goes negative.
  bool reserve_check_then_act(int pizzas) {
    bool enough = false;
    {
      const std::lock_guard lock(mutex_);
      enough = in_stock_.get() >= pizzas;
    }
    // BUG: another handler may reserve here; `enough` is stale.
    if (!enough) return false;
    const std::lock_guard lock(mutex_);
    move_locked(in_stock_, reserved_, pizzas);
    return true;
  }

  // Returns the `pizzas` balls of a cancelled order to the stock.
  void release(int pizzas) {
    const std::lock_guard lock(mutex_);
    release_locked(pizzas);
  }

  // Requires: mutex() held by the caller; `pizzas` balls reserved.
  void release_locked(int pizzas) { move_locked(reserved_, in_stock_, pizzas); }

  // Bakes: the `pizzas` reserved balls of an order are used.
  void use(int pizzas) {
    const std::lock_guard lock(mutex_);
    move_locked(reserved_, used_, pizzas);
  }

  [[nodiscard]] int in_stock() {
    const std::lock_guard lock(mutex_);
    return in_stock_.get();
  }
  [[nodiscard]] int reserved() {
    const std::lock_guard lock(mutex_);
    return reserved_.get();
  }
  [[nodiscard]] int used() {
    const std::lock_guard lock(mutex_);
    return used_.get();
  }

 private:
  // Moves `balls` from one state to another and checks the invariant.
  // Requires: mutex() held by the caller.
  void move_locked(weft::shared<int>& from, weft::shared<int>& to, int balls) {
    from.set(from.get() - balls);
    to.set(to.get() + balls);
    const int stock = in_stock_.get();
    const int held = reserved_.get();
    WEFT_ASSERT(stock >= 0);  // where `pizza.oversell` fails
    WEFT_ASSERT(held >= 0);
    WEFT_ASSERT(stock + held + used_.get() == initial_);
  }

  const int initial_;
  weft::mutex mutex_;
  weft::shared<int> in_stock_;     // guarded by mutex_
  weft::shared<int> reserved_{0};  // guarded by mutex_
  weft::shared<int> used_{0};      // guarded by mutex_
};

}  // namespace weft::scenarios::pizza
