// pizza/order_line.hpp: the pizza service's line protocol, as pure
// functions: what an order line asks for, and the reply to it.
//
// A client sends one line: the number of pizzas it wants. The service
// answers "Thank you for ordering N pizzas!" when the line is a valid order
// and "Wrong number of pizzas, please try again" otherwise. The text is the
// protocol's, kept literal ("1 pizzas!" included) so that clients can match
// it.
//
// A valid order line, byte by byte:
//
//   [spaces/tabs] digits [spaces/tabs] [line terminator]
//
//   * digits: a decimal number from min_pizzas to max_pizzas (1..100),
//     written canonically: no sign ("+3" and "-3" are wrong), no leading
//     zero ("03" and "0" are wrong), no separators ("1 0", "1_0", "1,0").
//   * spaces/tabs: any number of ' ' and '\t' around the number; nothing
//     else counts as blank (not '\v', '\f', '\r' inside the line, or NUL).
//   * terminator: at most one, "\n" or "\r\n", or a lone trailing '\r'
//     (what a reader that splits on '\n' leaves of "\r\n"). "3\n\n" is two
//     lines, not one, and is wrong.
//   * length: at most max_order_line_length bytes, terminator included;
//     a longer line is wrong whatever it holds, so that a server can bound
//     the buffer it reads a line into.
//
// Anything else is wrong: an empty or blank line, letters, an embedded NUL
// ("3\0" is a line of two bytes), numbers out of range however many digits
// they have (99999999999999999999 cannot overflow anything: a number with
// more digits than max_pizzas is wrong before it is converted).
//
// Concurrency contract: the functions are pure (no state, no allocation but
// the returned string); call them from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace weft::scenarios::pizza {

inline constexpr int min_pizzas = 1;
inline constexpr int max_pizzas = 100;
inline constexpr std::size_t max_order_line_length = 64;

inline constexpr std::string_view wrong_number_reply = "Wrong number of pizzas, please try again";

// The number of pizzas `line` orders (min_pizzas..max_pizzas), or nullopt
// if it is not a valid order line (see the top of this file).
[[nodiscard]] std::optional<int> parse_order_line(std::string_view line) noexcept;

// The reply to `line`: "Thank you for ordering N pizzas!" for a valid order
// of N, wrong_number_reply otherwise.
[[nodiscard]] std::string reply_to(std::string_view line);

}  // namespace weft::scenarios::pizza
