// The `pizza` scenario: the shared state of a threaded pizza-ordering
// service, with four classic bugs in it and their fixes (see
// docs/scenarios/pizza.md). The pieces live beside this file: the line
// protocol (order_line), the order book, the inventory, the kitchen queue,
// the front desk that locks book and inventory together, and the workloads
// that run them.
#include <cstdint>

#include "factories.hpp"
#include "inventory.hpp"
#include "kitchen_queue.hpp"
#include "order_book.hpp"
#include "workloads.hpp"

namespace weft::scenarios::internal {

namespace {

using namespace weft::scenarios::pizza;

expectation fails_with(weft::finding_kind kind) {
  return {.verdict = weft::verdict::fail, .kind = kind};
}

expectation passes() {
  return {.verdict = weft::verdict::pass, .kind = weft::finding_kind::none};
}

// The smallest sizes that have the bugs: two clients with one order each
// (two reservations, two bookings, two placings compete), or one client
// with two orders (the kitchen holds one, so the handler also waits for
// the cook; then the service closes).
constexpr parameters two_clients_one_order{.threads = 2, .iterations = 1};
constexpr parameters one_client_two_orders{.threads = 1, .iterations = 2};
// Larger, for the proofs that are cheap: every interleaving of three
// clients with two orders each takes well under 0.1 s in a debug build.
constexpr parameters three_clients_two_orders{.threads = 3, .iterations = 2};
// The whole service, for random exploration: the kitchen fills up and the
// dough runs short (the lines ask for 7 pizzas, the stock has 4 balls).
constexpr parameters two_clients_two_orders{.threads = 2, .iterations = 2};
// Natively: four clients (so two cooks), enough orders for real threads
// to collide, still well under a second when correct.
constexpr parameters busy_evening{.threads = 4, .iterations = 10'000};
// The book's lost update needs two handlers in the few instructions after
// the lock at the same time: with 50,000 orders each, 1 run in 10 to 4 in
// 6 showed it in samples on two busy cores (TSan reports the race in any
// run).
constexpr parameters long_evening{.threads = 4, .iterations = 50'000};
// Every order passes through the one-order kitchen queue, a wake-up each
// way: fewer orders keep a correct run near 0.1 s. (The lost wake-up can
// only happen once per run, at the closing, whatever the size.)
constexpr parameters kitchen_evening{.threads = 4, .iterations = 2'000};

}  // namespace

scenario make_pizza() {
  scenario s;
  s.name = "pizza";
  s.description =
      "The shared state of a threaded pizza-ordering service. Each client's connection handler "
      "reads order lines (a number of pizzas, 1 to 100: see scenarios/pizza/order_line.hpp), "
      "places each valid order at the front desk, which books it in the order book (orders per "
      "client, pizzas in all) and reserves its dough in the inventory (one ball per pizza, all or "
      "nothing), and queues it in the bounded kitchen queue, from which the cooks take orders and "
      "bake them until the service closes. The buggy variants each get one step wrong: the dough "
      "reservation (check-then-act), the book's total (no lock), the queue's closing (a lost "
      "wake-up), a cancellation's lock order (a deadlock); each fix runs the same program with "
      "that step right, and full_service runs every step, right, end to end.";
  s.parameters_help =
      "threads: clients, one connection handler each (1 to 16); the kitchen has one cook, or two "
      "from three clients on. iterations: order lines each client sends (1 to 100000), from a "
      "fixed cycle of valid and malformed lines.";
  s.limits = {.min_threads = 1, .max_threads = 16, .min_iterations = 1, .max_iterations = 100'000};

  s.variants.push_back({
      .name = "oversell",
      .summary = "dough reserved by check-then-act: two orders take the last balls",
      .bug =
          "inventory::reserve_check_then_act checks the stock under the lock, releases it, and "
          "takes the balls under a second hold. The stock has 2 balls; client 0 orders 2 pizzas, "
          "client 1 orders 1. Both check (2 >= 2, 2 >= 1) before either takes: client 0 takes 2 "
          "(stock 0), client 1 takes 1 (stock -1), and the inventory's invariant "
          "WEFT_ASSERT(stock >= 0) fails.",
      .fix = "Check and take under one hold of the lock (inventory::reserve): atomic_reserve.",
      .expected = fails_with(weft::finding_kind::assertion),
      .options = random_walk(1000),
      .check_size = two_clients_one_order,
      .native_size = busy_evening,
      .body =
          [](const parameters& p) {
            order_and_cancel_dough(p, &inventory::reserve_check_then_act);
          },
  });
  s.variants.push_back({
      .name = "unsynchronized_totals",
      .summary = "the order book's total updated without the lock",
      .bug = "order_book::record_with_unlocked_total updates the client's count under the lock but "
             "adds to the total after releasing it. Two handlers recording at once read and write "
             "the total with nothing ordering them: a data race, and natively lost pizzas (the "
             "final WEFT_ASSERT on the total fails).",
      .fix = "Update the client's count and the total under one hold of the lock "
             "(order_book::record): locked_totals.",
      .expected = fails_with(weft::finding_kind::data_race),
      .options = random_walk(1000),
      .check_size = two_clients_one_order,
      .native_size = long_evening,
      .body = [](const parameters& p) { book_orders(p, &order_book::record_with_unlocked_total); },
  });
  s.variants.push_back({
      .name = "lost_wakeup",
      .summary = "the kitchen closed without its lock: a cook sleeps through the closing",
      .bug =
          "kitchen_queue::close_without_lock sets the closed flag (an atomic: no data race) and "
          "notifies the cooks without taking the queue's lock. The cook, holding the lock, finds "
          "the queue empty and the flag clear; before it calls wait(), the service stores the "
          "flag and calls notify_all(), which wakes nobody: no one is waiting yet. The cook then "
          "waits for a notification that has come and gone, and the service waits forever to "
          "join it: a deadlock.",
      .fix = "Set the flag while holding the lock the cooks check it under (kitchen_queue::close), "
             "so it changes either before a cook's check or after the cook waits: locked_close.",
      .expected = fails_with(weft::finding_kind::deadlock),
      .options = random_walk(2000),
      .check_size = one_client_two_orders,
      .native_size = kitchen_evening,
      .body = [](const parameters& p) { queue_for_cooks(p, &kitchen_queue::close_without_lock); },
  });
  s.variants.push_back({
      .name = "lock_order_deadlock",
      .summary = "placing locks book then inventory, cancelling inventory then book",
      .bug = "front_desk::place locks the order book, then the inventory; "
             "front_desk::cancel_inventory_first, written as place undone in reverse, locks the "
             "inventory, then the book. Client 1 places an order and starts cancelling it (holds "
             "the inventory) while client 0 starts placing (holds the book): each waits for the "
             "lock the other holds, forever: a deadlock.",
      .fix = "One lock order for every path, the book before the inventory (front_desk::cancel): "
             "ordered_locks.",
      .expected = fails_with(weft::finding_kind::deadlock),
      .options = random_walk(1000),
      .check_size = two_clients_one_order,
      .native_size = busy_evening,
      .body = [](const parameters& p) { place_and_cancel(p, &front_desk::cancel_inventory_first); },
  });
  s.variants.push_back({
      .name = "atomic_reserve",
      .summary = "dough checked and reserved under one hold of the lock",
      .bug = "",
      .fix = "inventory::reserve checks the stock and takes the balls under one hold of the "
             "lock: no reservation can come between, so the stock never goes negative.",
      .expected = passes(),
      .options = exhaustive(1'000'000),
      .check_size = three_clients_two_orders,
      .native_size = busy_evening,
      .body = [](const parameters& p) { order_and_cancel_dough(p, &inventory::reserve); },
  });
  s.variants.push_back({
      .name = "locked_totals",
      .summary = "the order book's count and total updated under one lock",
      .bug = "",
      .fix = "order_book::record updates the client's count and the total under the book's "
             "lock: every access to the total is ordered by it.",
      .expected = passes(),
      .options = exhaustive(1'000'000),
      .check_size = three_clients_two_orders,
      .native_size = long_evening,
      .body = [](const parameters& p) { book_orders(p, &order_book::record); },
  });
  s.variants.push_back({
      .name = "locked_close",
      .summary = "the kitchen closed under its lock: no cook misses the closing",
      .bug = "",
      .fix = "kitchen_queue::close sets the flag under the lock the cooks hold from their check "
             "until wait() releases it, then notifies: a cook either sees the flag or is waiting "
             "when notify_all() comes. Cooks wait in a loop, so spurious wake-ups are harmless.",
      .expected = passes(),
      .options = exhaustive(1'000'000),
      .check_size = one_client_two_orders,
      .native_size = kitchen_evening,
      .body = [](const parameters& p) { queue_for_cooks(p, &kitchen_queue::close); },
  });
  s.variants.push_back({
      .name = "ordered_locks",
      .summary = "placing and cancelling both lock the book before the inventory",
      .bug = "",
      .fix = "front_desk::cancel takes the locks in the same order as place, the book before the "
             "inventory: no cycle of waits can form.",
      .expected = passes(),
      .options = exhaustive(1'000'000),
      .check_size = three_clients_two_orders,
      .native_size = busy_evening,
      .body = [](const parameters& p) { place_and_cancel(p, &front_desk::cancel); },
  });
  s.variants.push_back({
      .name = "full_service",
      .summary = "the whole service, every step right: parse, book, reserve, queue, bake",
      .bug = "",
      .fix = "Handlers parse each line, place valid orders at the desk (book and inventory "
             "locked in order, booked and reserved together or refused), queue the placed ones "
             "outside those locks, and cooks bake them until the queue is closed under its lock. "
             "At the end the book, the inventory, the handlers' and the cooks' counts add up.",
      .expected = passes(),
      .options = random_walk(2000),
      .check_size = two_clients_two_orders,
      .native_size = kitchen_evening,
      .body = run_service,
  });
  return s;
}

}  // namespace weft::scenarios::internal
