// pizza/front_desk.hpp: where an order meets both the order book and the
// inventory.
//
// Booking an order and reserving its dough must be one step: no one may
// see an order booked without its dough, or dough reserved for an order
// that is not booked. So the desk holds both locks together, and then the
// order it takes them in matters. The lock order is
//
//   order_book::mutex()  before  inventory::mutex()
//
// place() and cancel() follow it. cancel_inventory_first() is the
// `pizza.lock_order_deadlock` bug, kept beside the right way on purpose.
//
// Contract: every member may be called from any thread; neither lock may
// be held by the caller.
#pragma once

#include <mutex>

#include "inventory.hpp"
#include "order_book.hpp"

namespace weft::scenarios::pizza {

class front_desk {
 public:
  front_desk(order_book& book, inventory& stock) : book_(book), stock_(stock) {}

  // Books an order of `pizzas` for `client` and reserves its dough, or,
  // when the dough is short, does neither. Returns whether it booked.
  bool place(int client, int pizzas) {
    const std::lock_guard book_lock(book_.mutex());
    const std::lock_guard stock_lock(stock_.mutex());
    if (!stock_.reserve_locked(pizzas)) return false;
    book_.record_locked(client, pizzas);
    return true;
  }

  // Cancels a placed order: strikes it from the book, returns its dough.
  // Takes the locks in the lock order, as place() does.
  void cancel(int client, int pizzas) {
    const std::lock_guard book_lock(book_.mutex());
    const std::lock_guard stock_lock(stock_.mutex());
    stock_.release_locked(pizzas);
    book_.strike_locked(client, pizzas);
  }

  // THE BUG of `pizza.lock_order_deadlock`: cancel written as place()
  // undone in reverse, the dough returned first and the order struck
  // second, each under its own lock taken in that order: the inventory
  // before the book, against the lock order. A handler placing an order
  // holds the book and waits for the inventory while another cancelling
  // holds the inventory and waits for the book: neither ever gets its
  // second lock.
  void cancel_inventory_first(int client, int pizzas) {
    const std::lock_guard stock_lock(stock_.mutex());
    const std::lock_guard book_lock(book_.mutex());  // BUG: against the lock order
    stock_.release_locked(pizzas);
    book_.strike_locked(client, pizzas);
  }

 private:
  order_book& book_;
  inventory& stock_;
};

}  // namespace weft::scenarios::pizza
