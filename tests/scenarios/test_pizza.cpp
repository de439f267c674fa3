// The pizza scenario's own pieces: the order line protocol against known
// answers and against a naive reference (every way of writing 1..100) on
// every short line over a small alphabet, and the shared-state classes'
// contracts on one thread. Their concurrent behaviour is the scenario's
// variants', checked in test_scenarios.cpp.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "pizza/front_desk.hpp"
#include "pizza/inventory.hpp"
#include "pizza/kitchen_queue.hpp"
#include "pizza/order_book.hpp"
#include "pizza/order_line.hpp"
#include "pizza/workloads.hpp"

namespace {

using weft::scenarios::pizza::max_order_line_length;
using weft::scenarios::pizza::parse_order_line;
using weft::scenarios::pizza::reply_to;

using namespace std::string_view_literals;  // "3\0"sv keeps the NUL

// The grammar of order_line.hpp written the naive way, to compare with:
// the line is some blanks, the decimal text of some n in 1..100, some
// blanks and one of the terminators, every combination tried.
std::optional<int> reference_parse(std::string_view line) {
  if (line.size() > max_order_line_length) return std::nullopt;
  const auto trim_blanks = [](std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
      text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
      text.remove_suffix(1);
    return text;
  };
  for (const std::string_view terminator : {""sv, "\n"sv, "\r\n"sv, "\r"sv}) {
    if (!line.ends_with(terminator)) continue;
    const std::string_view number = trim_blanks(line.substr(0, line.size() - terminator.size()));
    for (int n = 1; n <= 100; ++n) {
      if (number == std::to_string(n)) return n;
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("pizza order line: valid orders", "[scenarios][pizza]") {
  CHECK(parse_order_line("1") == 1);
  CHECK(parse_order_line("100") == 100);
  CHECK(parse_order_line("42") == 42);
  CHECK(parse_order_line("42\n") == 42);
  CHECK(parse_order_line("42\r\n") == 42);
  CHECK(parse_order_line("42\r") == 42);  // "42\r\n" split on '\n'
  CHECK(parse_order_line("  7  ") == 7);
  CHECK(parse_order_line("\t7\t\r\n") == 7);
  CHECK(parse_order_line(" \t 10 \t \n") == 10);
  for (int n = 1; n <= 100; ++n) {
    CAPTURE(n);
    CHECK(parse_order_line(std::to_string(n)) == n);
    CHECK(parse_order_line(std::to_string(n) + "\r\n") == n);
  }
}

TEST_CASE("pizza order line: empty and blank lines are wrong", "[scenarios][pizza]") {
  for (const std::string_view line :
       {""sv, "\n"sv, "\r\n"sv, "\r"sv, " "sv, "   "sv, "\t"sv, " \t \r\n"sv}) {
    CAPTURE(line);
    CHECK_FALSE(parse_order_line(line));
  }
}

TEST_CASE("pizza order line: out of range, signs and leading zeros are wrong",
          "[scenarios][pizza]") {
  for (const std::string_view line :
       {"0"sv, "00"sv, "0\n"sv, "101"sv, "999"sv, "1000"sv, "007"sv, "05"sv, "0100"sv, "+3"sv,
        "-3"sv, "+0"sv, "-0"sv, "- 3"sv, "+ 3"sv, "--3"sv}) {
    CAPTURE(line);
    CHECK_FALSE(parse_order_line(line));
  }
  for (int n = 101; n <= 1000; ++n) {
    CAPTURE(n);
    CHECK_FALSE(parse_order_line(std::to_string(n)));
  }
}

TEST_CASE("pizza order line: numbers that overflow are wrong, not wrapped", "[scenarios][pizza]") {
  // Most would wrap to a valid order in some integer type: 2^32 + 1 and
  // -(2^32 - 1) to 1 in 32 bits, 2^64 + 1 and 2^64 + 5 to 1 and 5 in 64.
  for (const std::string_view line :
       {"99999999999999999999"sv, "4294967297"sv, "18446744073709551617"sv,
        "18446744073709551621"sv, "2147483647"sv, "-4294967295"sv,
        "0000000000000000000000000003"sv}) {
    CAPTURE(line);
    CHECK_FALSE(parse_order_line(line));
  }
  CHECK_FALSE(parse_order_line(std::string(1'000'000, '9')));
}

TEST_CASE("pizza order line: anything but digits is wrong", "[scenarios][pizza]") {
  for (const std::string_view line :
       {"three"sv, "twelve\r\n"sv, "3a"sv, "a3"sv, "3 4"sv, "1 0"sv, "1_0"sv, "1,0"sv, "3.0"sv,
        "3."sv, "3e0"sv, "0x3"sv, "\v3"sv, "3\v"sv, "3\f"sv, "\xef\xbc\x93"sv /* fullwidth 3 */,
        "\xff"
        "3"sv,
        "3 pizzas"sv}) {
    CAPTURE(line);
    CHECK_FALSE(parse_order_line(line));
  }
}

TEST_CASE("pizza order line: an embedded NUL is wrong", "[scenarios][pizza]") {
  // "\0" "3" rather than "\03", which would be one octal escape.
  const std::string_view nul_then_3 =
      "\0"
      "3"sv;
  const std::string_view nul_inside_10 =
      "1\0"
      "0"sv;
  for (const std::string_view line : {"3\0"sv, nul_then_3, "3\0\n"sv, nul_inside_10, "\0"sv}) {
    CAPTURE(line.size());
    CHECK_FALSE(parse_order_line(line));
  }
}

TEST_CASE("pizza order line: one terminator at most", "[scenarios][pizza]") {
  for (const std::string_view line :
       {"3\n\n"sv, "3\r\r\n"sv, "3\n\r"sv, "3\r\r"sv, "\n3"sv, "\r3"sv, "3\r 4"sv, "3\n4"sv}) {
    CAPTURE(line);
    CHECK_FALSE(parse_order_line(line));
  }
}

TEST_CASE("pizza order line: lines longer than the limit are wrong", "[scenarios][pizza]") {
  REQUIRE(max_order_line_length == 64);
  // Exactly at the limit, terminator included: still an order.
  const std::string longest = std::string(max_order_line_length - 3, ' ') + "7\r\n";
  REQUIRE(longest.size() == max_order_line_length);
  CHECK(parse_order_line(longest) == 7);
  // One byte more: wrong, whatever it holds.
  CHECK_FALSE(parse_order_line(" " + longest));
  CHECK_FALSE(parse_order_line(std::string(1 << 20, ' ') + "3"));
  // Built by append, not "3" + std::string(...): g++ 12 at -O3 reports a
  // false -Wrestrict overlap inside operator+ (a known GCC 12 bug).
  std::string trailing_spaces = "3";
  trailing_spaces.append(std::size_t{1} << 20U, ' ');
  CHECK_FALSE(parse_order_line(trailing_spaces));
}

TEST_CASE("pizza order line: the parser agrees with a naive reference on every short line",
          "[scenarios][pizza]") {
  // Every line of up to four bytes over an alphabet with a character of
  // each class the grammar distinguishes: 12^4 + ... + 1 = 22,621 lines.
  constexpr std::string_view alphabet = "0159 \t\r\n+-a\0"sv;
  std::string line;
  int lines = 0;
  auto check_all = [&](auto&& self, std::size_t length) -> void {
    ++lines;
    INFO("line of " << line.size() << " bytes: \"" << line << "\"");
    REQUIRE(parse_order_line(line) == reference_parse(line));
    if (length == 0) return;
    for (const char c : alphabet) {
      line.push_back(c);
      self(self, length - 1);
      line.pop_back();
    }
  };
  check_all(check_all, 4);
  CHECK(lines == 22'621);
}

TEST_CASE("pizza order line: the replies", "[scenarios][pizza]") {
  CHECK(reply_to("3\r\n") == "Thank you for ordering 3 pizzas!");
  CHECK(reply_to("100") == "Thank you for ordering 100 pizzas!");
  CHECK(reply_to(" 1 \n") == "Thank you for ordering 1 pizzas!");  // the protocol's text, kept
  CHECK(reply_to("0") == "Wrong number of pizzas, please try again");
  CHECK(reply_to("") == "Wrong number of pizzas, please try again");
  CHECK(reply_to("99999999999999999999\r\n") == "Wrong number of pizzas, please try again");
  CHECK(reply_to("3\0"sv) == "Wrong number of pizzas, please try again");
}

// The shared-state classes on one thread: their contracts, not their
// synchronization.

TEST_CASE("pizza inventory: reservations are all or nothing", "[scenarios][pizza]") {
  weft::scenarios::pizza::inventory stock(3);
  CHECK(stock.reserve(2));
  CHECK_FALSE(stock.reserve(2));  // one ball left: nothing taken
  CHECK(stock.in_stock() == 1);
  CHECK(stock.reserved() == 2);
  stock.use(2);
  CHECK(stock.used() == 2);
  CHECK(stock.reserved() == 0);
  CHECK(stock.reserve_check_then_act(1));  // right on one thread
  stock.release(1);
  CHECK(stock.in_stock() == 1);
}

TEST_CASE("pizza order book: counts per client and the total", "[scenarios][pizza]") {
  weft::scenarios::pizza::order_book book(2);
  book.record(0, 3);
  book.record(1, 2);
  book.record_with_unlocked_total(1, 1);  // right on one thread
  CHECK(book.orders_of(0) == 1);
  CHECK(book.orders_of(1) == 2);
  CHECK(book.total_pizzas() == 6);
}

TEST_CASE("pizza front desk: an order is booked with its dough or not at all",
          "[scenarios][pizza]") {
  weft::scenarios::pizza::order_book book(2);
  weft::scenarios::pizza::inventory stock(3);
  weft::scenarios::pizza::front_desk desk(book, stock);
  CHECK(desk.place(0, 2));
  CHECK_FALSE(desk.place(1, 2));  // short of dough: neither booked nor reserved
  CHECK(book.orders_of(1) == 0);
  CHECK(book.total_pizzas() == 2);
  CHECK(stock.reserved() == 2);
  desk.cancel(0, 2);
  CHECK(book.total_pizzas() == 0);
  CHECK(stock.in_stock() == 3);
  CHECK(desk.place(1, 3));
  desk.cancel_inventory_first(1, 3);  // right on one thread
  CHECK(book.orders_of(1) == 0);
  CHECK(stock.in_stock() == 3);
}

TEST_CASE("pizza kitchen queue: first in, first out; closing drains, then stops",
          "[scenarios][pizza]") {
  weft::scenarios::pizza::kitchen_queue kitchen(2);
  kitchen.push({.client = 0, .pizzas = 1});
  kitchen.push({.client = 1, .pizzas = 4});
  kitchen.close();
  const std::optional<weft::scenarios::pizza::order> first = kitchen.pop();
  REQUIRE(first);
  CHECK(first->client == 0);
  CHECK(first->pizzas == 1);
  const std::optional<weft::scenarios::pizza::order> second = kitchen.pop();
  REQUIRE(second);
  CHECK(second->pizzas == 4);
  CHECK_FALSE(kitchen.pop());
  CHECK_FALSE(kitchen.pop());
}

TEST_CASE("pizza workloads: the order lines cycle and mix valid and wrong ones",
          "[scenarios][pizza]") {
  using weft::scenarios::pizza::client_order_line;
  // The lines the variants' small sizes see are the ones their bug
  // descriptions rely on: 2 and 1 pizzas first, 7 for two clients' first two.
  CHECK(parse_order_line(client_order_line(0, 0)) == 2);
  CHECK(parse_order_line(client_order_line(1, 0)) == 1);
  CHECK(parse_order_line(client_order_line(0, 1)) == 1);
  CHECK(parse_order_line(client_order_line(1, 1)) == 3);
  CHECK_FALSE(parse_order_line(client_order_line(1, 2)));
  CHECK_FALSE(parse_order_line(client_order_line(0, 5)));
  CHECK(client_order_line(0, 6) == client_order_line(0, 0));
  CHECK(client_order_line(2, 4) == client_order_line(0, 6));
  CHECK(weft::scenarios::pizza::cooks_for(2) == 1);
  CHECK(weft::scenarios::pizza::cooks_for(4) == 2);
}
