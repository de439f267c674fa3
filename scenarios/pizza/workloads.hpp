// pizza/workloads.hpp: the programs of the `pizza` scenario's variants.
//
// Each workload starts `threads` connection handlers, one per client, and
// each handler reads `iterations` order lines from its client
// (client_order_line) and acts on the valid ones. A workload exercises one
// piece of the shared state; the step whose right and wrong versions the
// variants compare is a parameter (a member function of that piece), so
// that a buggy variant and its fix run the same program but for that step.
// The end of each workload asserts what must then hold.
//
// Everything is deterministic but for the schedule: the order lines depend
// only on (client, order), and no workload reads a clock or a random
// number.
#pragma once

#include <string_view>

#include "front_desk.hpp"
#include "inventory.hpp"
#include "kitchen_queue.hpp"
#include "order_book.hpp"
#include "weft/scenarios/scenario.hpp"

namespace weft::scenarios::pizza {

// Line number `line_number` that client `client` sends (both from 0): a
// short cycle of valid and malformed lines, shifted per client so that
// clients differ.
[[nodiscard]] std::string_view client_order_line(int client, int line_number);

// The cooks serving `clients` handlers: one per two clients, at most two.
[[nodiscard]] int cooks_for(int clients);

// Clients order and cancel, against the inventory alone: each valid order
// reserves its dough with `reserve` and, if it got it, returns it (the
// client cancels), so the stock keeps hovering near empty, where two
// reservations compete. The stock opens with two balls: enough for either
// of the first two clients' first orders (2 and 1 pizzas), not both.
// Ends asserting every ball is back in stock.
using reserve_step = bool (inventory::*)(int);
void order_and_cancel_dough(const parameters& p, reserve_step reserve);

// Handlers record every valid order in the order book with `record`.
// Ends asserting the book's total and every client's count of orders.
using record_step = void (order_book::*)(int, int);
void book_orders(const parameters& p, record_step record);

// Handlers queue every valid order for the cooks (cooks_for(threads)),
// who take them until the queue is closed; once every handler is done, the
// service closes the queue with `close` and waits for the cooks. Ends
// asserting the cooks baked every pizza ordered.
using close_step = void (kitchen_queue::*)();
void queue_for_cooks(const parameters& p, close_step close);

// Clients place orders at the front desk (book, then inventory) and cancel
// each one they got with `cancel`; the stock opens with two balls, as in
// order_and_cancel_dough. Ends asserting the book is empty and every ball
// is back in stock.
using cancel_step = void (front_desk::*)(int, int);
void place_and_cancel(const parameters& p, cancel_step cancel);

// The whole service, every step done right: handlers parse their lines,
// place each valid order at the desk (booked and its dough reserved, or
// refused when the dough is short: the stock opens with one ball per order
// line, less than the lines ask for), and queue each placed
// order for the cooks, who bake it (use its dough). Ends asserting that
// the book, the inventory, the handlers' own counts and the cooks' add up.
void run_service(const parameters& p);

}  // namespace weft::scenarios::pizza
