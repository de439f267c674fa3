#include "workloads.hpp"

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "order_line.hpp"
#include "weft/check.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace weft::scenarios::pizza {

namespace {

// What the clients send, in turn: valid orders of 2, 1, 3 and 1 pizzas
// (7 per 6 lines), with "\r\n", "\n" or no terminator, blanks around the
// number, and two wrong lines.
constexpr std::array<std::string_view, 6> order_lines = {"2\r\n",      "1\n", " 3\t\r\n",
                                                         "twelve\r\n", "1",   "0\n"};

// Enough dough for either of the first two clients' first orders (2 and 1
// pizzas), not for both: their reservations compete.
constexpr int contested_dough = 2;

// Orders the kitchen queue holds: one, so that even the checker's small
// runs have handlers waiting for the cooks to make room.
constexpr std::size_t kitchen_capacity = 1;

std::size_t index(int i) {
  return static_cast<std::size_t>(i);
}

// The pizzas a line orders; 0 for a wrong line.
int pizzas_in(std::string_view line) {
  return parse_order_line(line).value_or(0);
}

// What client `client`'s lines order in all: {valid orders, pizzas}.
struct orders_and_pizzas {
  int orders = 0;
  int pizzas = 0;
};
orders_and_pizzas ordered_by(int client, const parameters& p) {
  orders_and_pizzas sum;
  for (int i = 0; i < p.iterations; ++i) {
    const int pizzas = pizzas_in(client_order_line(client, i));
    if (pizzas > 0) ++sum.orders;
    sum.pizzas += pizzas;
  }
  return sum;
}

// Starts `count` threads running `body(0)` ... `body(count - 1)`.
template <typename Body>
std::vector<weft::thread> start(int count, const Body& body) {
  std::vector<weft::thread> threads;
  threads.reserve(index(count));
  for (int i = 0; i < count; ++i)
    threads.emplace_back(body, i);
  return threads;
}

void join_all(std::vector<weft::thread>& threads) {
  for (weft::thread& t : threads)
    t.join();
}

int sum(const std::vector<weft::shared<int>>& counts) {
  int total = 0;
  for (const weft::shared<int>& count : counts)
    total += count.get();
  return total;
}

}  // namespace

std::string_view client_order_line(int client, int line_number) {
  return order_lines[index(client + line_number) % order_lines.size()];
}

int cooks_for(int clients) {
  return clients >= 3 ? 2 : 1;
}

void order_and_cancel_dough(const parameters& p, reserve_step reserve) {
  inventory stock(contested_dough);
  auto client = [&](int c) {
    for (int i = 0; i < p.iterations; ++i) {
      const std::optional<int> pizzas = parse_order_line(client_order_line(c, i));
      if (pizzas && std::invoke(reserve, stock, *pizzas)) stock.release(*pizzas);
    }
  };
  std::vector<weft::thread> clients = start(p.threads, client);
  join_all(clients);
  WEFT_ASSERT(stock.in_stock() == contested_dough);
  WEFT_ASSERT(stock.reserved() == 0);
}

void book_orders(const parameters& p, record_step record) {
  order_book book(p.threads);
  auto handler = [&](int c) {
    for (int i = 0; i < p.iterations; ++i) {
      const std::optional<int> pizzas = parse_order_line(client_order_line(c, i));
      if (pizzas) std::invoke(record, book, c, *pizzas);
    }
  };
  std::vector<weft::thread> handlers = start(p.threads, handler);
  join_all(handlers);
  int pizzas = 0;
  for (int c = 0; c < p.threads; ++c) {
    const orders_and_pizzas expected = ordered_by(c, p);
    WEFT_ASSERT(book.orders_of(c) == expected.orders);
    pizzas += expected.pizzas;
  }
  WEFT_ASSERT(book.total_pizzas() == pizzas);  // natively, lost updates fail here
}

void queue_for_cooks(const parameters& p, close_step close) {
  kitchen_queue kitchen(kitchen_capacity);
  const int cook_count = cooks_for(p.threads);
  // Each cook's count, written by that cook only and read after its join.
  std::vector<weft::shared<int>> baked(index(cook_count));
  auto cook = [&](int k) {
    while (const std::optional<order> next = kitchen.pop())
      baked[index(k)] += next->pizzas;
  };
  auto handler = [&](int c) {
    for (int i = 0; i < p.iterations; ++i) {
      const std::optional<int> pizzas = parse_order_line(client_order_line(c, i));
      if (pizzas) kitchen.push({.client = c, .pizzas = *pizzas});
    }
  };
  std::vector<weft::thread> cooks = start(cook_count, cook);
  std::vector<weft::thread> handlers = start(p.threads, handler);
  join_all(handlers);
  std::invoke(close, kitchen);
  join_all(cooks);  // where `pizza.lost_wakeup` waits forever
  int pizzas = 0;
  for (int c = 0; c < p.threads; ++c)
    pizzas += ordered_by(c, p).pizzas;
  WEFT_ASSERT(sum(baked) == pizzas);
}

void place_and_cancel(const parameters& p, cancel_step cancel) {
  order_book book(p.threads);
  inventory stock(contested_dough);
  front_desk desk(book, stock);
  auto client = [&](int c) {
    for (int i = 0; i < p.iterations; ++i) {
      const std::optional<int> pizzas = parse_order_line(client_order_line(c, i));
      if (pizzas && desk.place(c, *pizzas)) std::invoke(cancel, desk, c, *pizzas);
    }
  };
  std::vector<weft::thread> clients = start(p.threads, client);
  join_all(clients);
  for (int c = 0; c < p.threads; ++c)
    WEFT_ASSERT(book.orders_of(c) == 0);
  WEFT_ASSERT(book.total_pizzas() == 0);
  WEFT_ASSERT(stock.in_stock() == contested_dough);
}

void run_service(const parameters& p) {
  const int dough = p.threads * p.iterations;
  order_book book(p.threads);
  inventory stock(dough);
  front_desk desk(book, stock);
  kitchen_queue kitchen(kitchen_capacity);
  const int cook_count = cooks_for(p.threads);
  // Per-thread counts, each written by its own thread and read after the
  // joins: what each handler placed, what each cook baked.
  std::vector<weft::shared<int>> placed_orders(index(p.threads));
  std::vector<weft::shared<int>> placed_pizzas(index(p.threads));
  std::vector<weft::shared<int>> baked(index(cook_count));

  auto handler = [&](int c) {
    for (int i = 0; i < p.iterations; ++i) {
      const std::optional<int> pizzas = parse_order_line(client_order_line(c, i));
      if (!pizzas) continue;                  // the client is told wrong_number_reply
      if (!desk.place(c, *pizzas)) continue;  // refused: not enough dough
      ++placed_orders[index(c)];
      placed_pizzas[index(c)] += *pizzas;
      // Queued after the desk's locks are released: a handler never holds
      // the book or the inventory while it waits for room in the kitchen.
      kitchen.push({.client = c, .pizzas = *pizzas});
    }
  };
  auto cook = [&](int k) {
    while (const std::optional<order> next = kitchen.pop()) {
      stock.use(next->pizzas);
      baked[index(k)] += next->pizzas;
    }
  };

  std::vector<weft::thread> cooks = start(cook_count, cook);
  std::vector<weft::thread> handlers = start(p.threads, handler);
  join_all(handlers);
  kitchen.close();
  join_all(cooks);

  int placed = 0;
  for (int c = 0; c < p.threads; ++c) {
    WEFT_ASSERT(book.orders_of(c) == placed_orders[index(c)].get());
    placed += placed_pizzas[index(c)].get();
  }
  WEFT_ASSERT(book.total_pizzas() == placed);
  WEFT_ASSERT(sum(baked) == placed);
  WEFT_ASSERT(stock.used() == placed);
  WEFT_ASSERT(stock.reserved() == 0);
  WEFT_ASSERT(stock.in_stock() == dough - placed);
}

}  // namespace weft::scenarios::pizza
